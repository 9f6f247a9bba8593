"""Task datasets in one schema per task, whichever source they come from.

sentiment: text (string), label (ClassLabel negative/positive).
ner: tokens (list of strings), ner_tags (list of ClassLabel O, B-/I- PER, ORG, LOC, MISC).
qa: the SQuAD v1.1 schema: id, title, context, question, answers {text: [...], answer_start: [...]}.
Every task has the splits train, validation and test.
"""

from __future__ import annotations

import hashlib

from .cloze import cloze_questions
from .conll import CONLL_FILES, NER_LABELS, read_conll
from ..errors import CourseError
from .sources import require_hub, resolve_source

TASKS = ("sentiment", "ner", "qa")
SPLITS = ("train", "validation", "test")
SENTIMENT_LABELS = ["negative", "positive"]
REQUIRED_COLUMNS = {
    "sentiment": ("text", "label"),
    "ner": ("tokens", "ner_tags"),
    "qa": ("id", "context", "question", "answers"),
}
# Common alternative names, so a schema error can say which rename fixes it.
COLUMN_ALIASES = {
    "text": ("sentence", "review", "content", "document", "snippet", "Text"),
    "label": ("labels", "target", "sentiment", "class", "category", "Label"),
    "tokens": ("words", "text", "sentence"),
    "ner_tags": ("tags", "labels", "ner", "ner_labels"),
    "context": ("passage", "paragraph", "document"),
    "answers": ("answer", "label"),
}
HUB_DATASETS = {
    "sentiment": "cornell-movie-review-data/rotten_tomatoes",
    "ner": "lhoestq/conll2003",  # parquet-backed: datasets 4+ no longer runs the original script
    "qa": "rajpurkar/squad",
}


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


class DatasetContentError(CourseError, ValueError):
    """Rows a task cannot train on: an empty split, unknown tags, an answer not in its context."""


def _tag_names(split, label_names):
    feature = split.features.get("ner_tags")
    names = getattr(getattr(feature, "feature", None), "names", None)
    return list(label_names or names or [])


def check_examples(dataset, task: str, label_names: list[str] | None = None):
    """Raise DatasetContentError for rows `task` cannot train on; return `dataset` unchanged.

    Checks that no split is empty; for ner, that every sentence has one tag per word and every tag is
    in `label_names` (default: the dataset's ClassLabel names); for qa, that every answer is the
    context's text at its answer_start. dataset: a datasets.Dataset or DatasetDict.
    """
    check_columns(dataset, task)
    splits = dataset.items() if hasattr(dataset, "items") else [("dataset", dataset)]
    for name, split in splits:
        if len(split) == 0:
            raise DatasetContentError(
                f"The {name!r} split has no rows. Check the filter or select() that produced it, or "
                f"pass a larger size (an empty split cannot be trained or evaluated on).")
        if task == "ner":
            _check_tags(name, split, _tag_names(split, label_names))
        elif task == "qa":
            _check_answers(name, split)
    return dataset


def _check_tags(name, split, label_names):
    for row, (tokens, tags) in enumerate(zip(split["tokens"], split["ner_tags"])):
        if len(tokens) != len(tags):
            raise DatasetContentError(f"{name} row {row} has {len(tokens)} words but {len(tags)} tags: "
                                      f"every word needs exactly one tag.")
        for tag in tags:
            known = (tag in label_names) if isinstance(tag, str) else (0 <= tag < len(label_names))
            if not known:
                raise DatasetContentError(
                    f"{name} row {row} has the tag {tag!r}, which is not in the label list {label_names} "
                    f"({len(label_names)} labels). Add it to the label list (and num_labels), or map it to "
                    f"one of them, e.g. dataset.map(lambda row: {{'ner_tags': [...]}}).")


def _check_answers(name, split):
    for row in split:
        for text, start in zip(row["answers"]["text"], row["answers"]["answer_start"]):
            if row["context"][start:start + len(text)] != text:
                found = row["context"].find(text)
                fix = (f"the text occurs at character {found}: set answer_start to {found}" if found >= 0
                       else "the answer text does not occur in the context at all: extractive QA can only "
                            "answer with a span of the context, so fix or drop this row")
                raise DatasetContentError(
                    f"{name} question {row['id']!r}: the answer {text!r} is not the context's text at "
                    f"answer_start={start}; {fix}.")


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


def _ner_features():
    import datasets

    return datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                              "ner_tags": datasets.Sequence(datasets.ClassLabel(names=NER_LABELS))})


def _offline_ner():
    import datasets

    from .assets import asset_dir

    folder = asset_dir("ner")
    splits = {}
    for split, file_name in CONLL_FILES.items():
        sentences = [sentence for document in read_conll(folder / file_name) for sentence in document]
        splits[split] = datasets.Dataset.from_dict(
            {"tokens": [tokens for tokens, _ in sentences],
             "ner_tags": [[NER_LABELS.index(tag) for tag in tags] for _, tags in sentences]},
            features=_ner_features())
    return datasets.DatasetDict(splits)


def _hub_ner():
    import datasets

    dataset = datasets.load_dataset(HUB_DATASETS["ner"])
    dataset = dataset.select_columns(["tokens", "ner_tags"])
    return dataset.cast(_ner_features())


def _qa_features():
    import datasets

    return datasets.Features({
        "id": datasets.Value("string"), "title": datasets.Value("string"),
        "context": datasets.Value("string"), "question": datasets.Value("string"),
        "answers": {"text": datasets.Sequence(datasets.Value("string")),
                    "answer_start": datasets.Sequence(datasets.Value("int32"))},
    })


def _offline_qa():
    import datasets

    from .assets import asset_dir

    folder = asset_dir("ner")
    return datasets.DatasetDict({
        split: datasets.Dataset.from_list(cloze_questions(read_conll(folder / file_name), split),
                                          features=_qa_features())
        for split, file_name in CONLL_FILES.items()
    })


def paragraph_split(dataset, share: float = 0.05, seed: int = 42):
    """(train, held_out): whole paragraphs held out, so no context appears on both sides.

    SQuAD asks several questions about each paragraph; splitting by question would put the same
    paragraph in training and validation and inflate the validation score. A paragraph is its
    title and context; about `share` of the paragraphs go to held_out, chosen by a stable hash.
    """
    def held_out(row):
        key = f"{seed}|{row['title']}|{row['context']}".encode("utf-8")
        return int(hashlib.md5(key).hexdigest(), 16) % 10_000 < share * 10_000

    flags = [held_out(row) for row in dataset.select_columns(["title", "context"])]
    train = [i for i, flag in enumerate(flags) if not flag]
    test = [i for i, flag in enumerate(flags) if flag]
    return dataset.select(train), dataset.select(test)


def _hub_qa():
    import datasets

    squad = datasets.load_dataset(HUB_DATASETS["qa"])
    # SQuAD has no public test split: hold out whole paragraphs of train for validation,
    # and test on its validation split (other articles altogether)
    train, validation = paragraph_split(squad["train"])
    return datasets.DatasetDict({"train": train, "validation": validation,
                                 "test": squad["validation"]}).cast(_qa_features())


_LOADERS = {
    ("sentiment", "offline"): _offline_sentiment, ("sentiment", "hub"): _hub_sentiment,
    ("ner", "offline"): _offline_ner, ("ner", "hub"): _hub_ner,
    ("qa", "offline"): _offline_qa, ("qa", "hub"): _hub_qa,
}


def load_task_dataset(task: str, source: str | None = None, split: str | None = None):
    """Load a task's data as a DatasetDict (or one split) in the course's schema.

    task: one of TASKS. source: "hub", "offline" or "auto"/None (see resolve_source).
    split: "train", "validation" or "test" to get one datasets.Dataset instead of all.
    """
    check_task(task)
    source = resolve_source(source)
    if source == "hub":
        require_hub()
    dataset = check_examples(_LOADERS[(task, source)](), task)
    if split is None:
        return dataset
    if split not in dataset:
        raise SplitNotFoundError(
            f"The {task} dataset has no split {split!r}; its splits are {', '.join(dataset)}. "
            f"Use split='validation' for tuning and split='test' only for the final score."
        )
    return dataset[split]
