import datasets
import pytest

from coursekit.data import (DatasetSchemaError, SplitNotFoundError, UnknownTaskError, check_columns,
                            load_task_dataset)
from coursekit.errors import CourseError


@pytest.fixture(scope="module")
def sentiment():
    return load_task_dataset("sentiment", source="offline")


def test_sentiment_schema_and_splits(sentiment):
    assert list(sentiment) == ["train", "validation", "test"]
    for split in sentiment.values():
        assert split.column_names == ["text", "label"]
        assert split.features["label"].names == ["negative", "positive"]
    sizes = {name: len(split) for name, split in sentiment.items()}
    # 12,808 fresh/rotten snippets less 56 duplicates, split about 80/10/10 by a stable hash of the film
    assert sizes == {"train": 10233, "validation": 1115, "test": 1404}


def test_sentiment_is_real_and_balanced_enough(sentiment):
    train = sentiment["train"]
    positives = sum(train["label"]) / len(train)
    assert 0.5 < positives < 0.65  # 7,403 fresh vs 5,405 rotten reviews in the corpus
    assert all(isinstance(t, str) and t.strip() for t in train["text"][:200])


def test_splits_share_no_text(sentiment):
    texts = {name: set(split["text"]) for name, split in sentiment.items()}
    assert not texts["train"] & texts["test"]
    assert not texts["train"] & texts["validation"]


def test_one_split(sentiment):
    test = load_task_dataset("sentiment", source="offline", split="test")
    assert test["text"][:5] == sentiment["test"]["text"][:5]


def test_missing_split_names_the_splits():
    with pytest.raises(SplitNotFoundError, match="train, validation, test") as info:
        load_task_dataset("sentiment", source="offline", split="valid")
    assert isinstance(info.value, CourseError)


def test_unknown_task_names_the_tasks():
    with pytest.raises(UnknownTaskError, match="sentiment"):
        load_task_dataset("sentiment-analysis", source="offline")


def test_missing_columns_suggest_the_rename():
    own = datasets.Dataset.from_dict({"sentence": ["good", "bad"], "label": [1, 0]})
    with pytest.raises(DatasetSchemaError, match=r"rename_column\('sentence', 'text'\)"):
        check_columns(own, "sentiment")
    unknown = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"words": ["x"], "y": [0]})})
    with pytest.raises(DatasetSchemaError, match="missing: text, label"):
        check_columns(unknown, "sentiment")
    fine = own.rename_column("sentence", "text")
    assert check_columns(fine, "sentiment") is fine
