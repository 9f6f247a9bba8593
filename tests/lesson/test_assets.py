import pytest

from coursekit.lesson import assets
from coursekit.lesson.assets import AssetError
from coursekit.cli import main as coursekit_main


def test_the_real_assets_verify():
    for name in assets.ASSETS:
        assert assets.problems(name) == [], name


def test_missing_asset_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv(assets.CACHE_ENV_VAR, str(tmp_path / "empty"))
    with pytest.raises(AssetError, match="coursekit assets fetch") as info:
        assets.asset_dir("model")
    assert "missing" in str(info.value)


def test_missing_assets_give_the_fetch_command_when_loading_data(tmp_path, monkeypatch):
    from coursekit.lesson.data import load_task_dataset

    monkeypatch.setenv(assets.CACHE_ENV_VAR, str(tmp_path / "empty"))
    with pytest.raises(AssetError, match="coursekit assets fetch"):
        load_task_dataset("sentiment", source="offline")


def test_truncated_file_is_detected(copied_cache):
    data = copied_cache / "sentiment" / "rotten_tomatoes_corpus_full.csv.bz2"
    data.write_bytes(data.read_bytes()[:1000])
    assert "truncated" in assets.problems("sentiment")[0]
    with pytest.raises(AssetError, match="coursekit assets fetch"):
        assets.asset_dir("sentiment")


def test_corrupted_file_is_detected_by_checksum(copied_cache):
    data = copied_cache / "sentiment" / "rotten_tomatoes_corpus_full.csv.bz2"
    content = bytearray(data.read_bytes())
    content[500] ^= 0xFF  # same size, different content
    data.write_bytes(bytes(content))
    assert "checksum mismatch" in assets.problems("sentiment")[0]
    assert coursekit_main(["assets", "verify"]) == 1


def test_unknown_asset():
    with pytest.raises(AssetError, match="model, sentiment, ner, topics"):
        assets.asset_dir("images")


def test_reuters_r8_csv_has_the_published_counts():
    import csv
    from collections import Counter

    from coursekit.lesson.reuters import reuters_csv

    expected = {"train": 5485, "test": 2189}
    for split, size in expected.items():
        with reuters_csv(split).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == size, split
        assert all(row["text"].strip() for row in rows), split
        counts = Counter(row["label"] for row in rows)
        assert set(counts) == {"earn", "acq", "crude", "trade", "money-fx", "interest", "ship", "grain"}
        if split == "train":
            assert counts["earn"] == 2840 and counts["grain"] == 41


def test_reuters_csv_loads_as_a_learner_would_load_theirs():
    import datasets
    import coursekit

    data = datasets.load_dataset("csv", data_files={"train": str(coursekit.reuters_csv("train"))})["train"]
    assert data.column_names == ["text", "label"] and data.num_rows == 5485
    encoded = data.class_encode_column("label")
    assert encoded.features["label"].num_classes == 8


def test_missing_topics_asset_names_the_fetch_command(tmp_path, monkeypatch):
    from coursekit.lesson.reuters import reuters_csv

    monkeypatch.setenv(assets.CACHE_ENV_VAR, str(tmp_path / "empty"))
    with pytest.raises(AssetError, match="coursekit assets fetch"):
        reuters_csv("train")
    with pytest.raises(ValueError, match="train"):
        reuters_csv("validation")
