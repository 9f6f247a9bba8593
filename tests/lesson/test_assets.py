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
    with pytest.raises(AssetError, match="model, sentiment, ner"):
        assets.asset_dir("images")
