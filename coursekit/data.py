"""Task datasets in one schema per task, whichever source they come from.

sentiment: text (string), label (ClassLabel negative/positive), splits train/validation/test.
"""

from __future__ import annotations

import hashlib

from .errors import CourseError
from .sources import resolve_source

TASKS = ("sentiment",)
SPLITS = ("train", "validation", "test")
SENTIMENT_LABELS = ["negative", "positive"]
REQUIRED_COLUMNS = {"sentiment": ("text", "label")}
# Common alternative names, so a schema error can say which rename fixes it.
COLUMN_ALIASES = {
    "text": ("sentence", "review", "content", "document", "snippet", "Text"),
    "label": ("labels", "target", "sentiment", "class", "category", "Label"),
}
HUB_DATASETS = {"sentiment": "cornell-movie-review-data/rotten_tomatoes"}


class UnknownTaskError(CourseError, ValueError):
    """A task name the course does not have."""


class SplitNotFoundError(CourseError, KeyError):
    """A split name the dataset does not have."""

    def __str__(self) -> str:  # KeyError would otherwise show the message in quotes
        return str(self.args[0])


class DatasetSchemaError(CourseError, ValueError):
    """A dataset without the columns a task needs."""


def check_task(task: str) -> str:
    """Return `task` if the course has it, else raise naming the tasks it has."""
    if task not in TASKS:
        raise UnknownTaskError(f"Unknown task {task!r}. The course's tasks are: {', '.join(TASKS)}.")
    return task


def check_columns(dataset, task: str):
    """Raise DatasetSchemaError unless `dataset` has the columns `task` needs; return it unchanged.

    dataset: a datasets.Dataset or DatasetDict. task: one of TASKS.
    """
    check_task(task)
    splits = dataset.values() if hasattr(dataset, "values") else [dataset]
    for split in splits:
        columns = split.column_names
        missing = [col for col in REQUIRED_COLUMNS[task] if col not in columns]
        if not missing:
            continue
        fixes = [
            f"dataset = dataset.rename_column({alias!r}, {col!r})"
            for col in missing for alias in COLUMN_ALIASES.get(col, ()) if alias in columns
        ]
        hint = ("Rename with:  " + ";  ".join(fixes)) if fixes else (
            f"Add or rename columns so the dataset has {', '.join(REQUIRED_COLUMNS[task])}.")
        raise DatasetSchemaError(
            f"The {task} dataset needs columns {list(REQUIRED_COLUMNS[task])} but has {columns} "
            f"(missing: {', '.join(missing)}). {hint}"
        )
    return dataset


def movie_bucket(movie: str) -> int:
    """A stable 0-9 bucket per film, so all snippets about one film land in the same split."""
    return int(hashlib.md5(movie.encode("utf-8")).hexdigest(), 16) % 10


def _offline_sentiment():
    import datasets
    import pandas as pd

    from .assets import asset_dir

    frame = pd.read_csv(asset_dir("sentiment") / "rotten_tomatoes_corpus_full.csv.bz2")
    frame = frame[frame["category"].isin(["fresh", "rotten"])]  # drop plot summaries
    frame = frame.assign(text=frame["text"].astype(str).str.strip())
    frame = frame[frame["text"].str.len() > 0].drop_duplicates("text")
    frame = frame.assign(label=(frame["category"] == "fresh").astype(int),
                         bucket=frame["movie_name"].map(movie_bucket))
    features = datasets.Features({"text": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=SENTIMENT_LABELS)})
    # Split by film (80/10/10): a model must generalise to films it never saw reviews of.
    masks = {"train": frame["bucket"] >= 2, "validation": frame["bucket"] == 1, "test": frame["bucket"] == 0}
    return datasets.DatasetDict({
        split: datasets.Dataset.from_pandas(frame.loc[mask, ["text", "label"]], features=features,
                                            preserve_index=False)
        for split, mask in masks.items()
    })


def _hub_sentiment():
    import datasets

    dataset = datasets.load_dataset(HUB_DATASETS["sentiment"])
    return dataset.cast_column("label", datasets.ClassLabel(names=SENTIMENT_LABELS))


_LOADERS = {("sentiment", "offline"): _offline_sentiment, ("sentiment", "hub"): _hub_sentiment}


def load_task_dataset(task: str, source: str | None = None, split: str | None = None):
    """Load a task's data as a DatasetDict (or one split) in the course's schema.

    task: one of TASKS. source: "hub", "offline" or "auto"/None (see resolve_source).
    split: "train", "validation" or "test" to get one datasets.Dataset instead of all.
    """
    check_task(task)
    dataset = check_columns(_LOADERS[(task, resolve_source(source))](), task)
    if split is None:
        return dataset
    if split not in dataset:
        raise SplitNotFoundError(
            f"The {task} dataset has no split {split!r}; its splits are {', '.join(dataset)}. "
            f"Use split='validation' for tuning and split='test' only for the final score."
        )
    return dataset[split]
