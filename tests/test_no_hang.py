"""With the Hub unreachable (a server that accepts and never answers), every coursekit entry point
that may touch the Hub answers or fails clearly within 10 seconds."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursekit.lesson import sources
from coursekit.lesson.assets import asset_dir
from coursekit.lesson.data import load_task_dataset
from coursekit.lesson.metrics import metric_path
from coursekit.lesson.models import checkpoint_for

LIMIT_S = 10.0
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def hanging_hub(silent_hub, monkeypatch):
    monkeypatch.setattr(sources, "_last_probe", None)  # no remembered answer from an earlier test
    return silent_hub


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def test_auto_source_settles_on_offline(hanging_hub):
    source, seconds = timed(sources.resolve_source)
    assert source == "offline" and seconds < LIMIT_S
    assert hanging_hub, "the Hub probe never reached the silent server"


def test_lesson_start_with_auto_source_uses_the_offline_model_and_data(hanging_hub):
    checkpoint, seconds = timed(checkpoint_for, "ner")
    assert checkpoint == str(asset_dir("model")) and seconds < LIMIT_S
    data, seconds = timed(load_task_dataset, "sentiment")
    assert len(data["train"]) > 1000 and seconds < LIMIT_S


@pytest.mark.parametrize("task", ["sentiment", "ner", "qa"])
def test_explicit_hub_source_fails_fast_naming_the_fix(task, hanging_hub):
    start = time.perf_counter()
    with pytest.raises(sources.HubUnreachableError, match=r"SOURCE = 'offline'.*COURSEKIT_SOURCE=offline"):
        load_task_dataset(task, "hub")
    assert time.perf_counter() - start < LIMIT_S


def test_metrics_load_through_evaluate_without_the_hub(hanging_hub):
    import evaluate

    metric, seconds = timed(evaluate.load, metric_path("classification"))
    assert seconds < LIMIT_S
    assert metric.compute(predictions=[1, 0], references=[1, 1])["accuracy"] == 0.5


@pytest.mark.parametrize("command", [
    ["-m", "coursekit.train", "--task", "sentiment", "--source", "hub", "--output-dir", "unused"],
    ["-m", "coursekit", "assets", "verify"],
], ids=["train-with-hub-source", "assets-verify"])
def test_command_line_entry_points_answer_within_10s(command, hanging_hub, tmp_path):
    start = time.perf_counter()
    # Run from an empty folder (output lands there) but import this checkout, installed or not.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path, env=env)
    assert time.perf_counter() - start < LIMIT_S, result.stderr[-2000:]
    if "--source" in command:
        assert result.returncode == 2 and "did not answer" in result.stderr
    else:
        assert result.returncode == 0, result.stdout + result.stderr
