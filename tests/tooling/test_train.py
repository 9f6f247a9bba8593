"""`python -m coursekit.train`: reproducible, resumable after a real kill, and distributed (2 CPU processes)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursekit.tooling.train import last_complete_checkpoint

# A small sentiment run: 160 examples in batches of 16 are 10 optimizer steps, checkpointed every 3.
SMALL_RUN = ["--task", "sentiment", "--train-size", "160", "--eval-size", "64", "--epochs", "1", "--save-steps", "3"]
RUN_TIMEOUT_S = 600


def train_command(output_dir, *extra):
    return [sys.executable, "-m", "coursekit.train", *SMALL_RUN, "--output-dir", str(output_dir), *extra]


def run_training(output_dir, *extra):
    result = subprocess.run(train_command(output_dir, *extra), capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((Path(output_dir) / "test_metrics.json").read_text()), result.stdout


@pytest.fixture(scope="module")
def uninterrupted_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("uninterrupted")
    metrics, stdout = run_training(output_dir)
    return output_dir, metrics, stdout


@pytest.fixture(scope="module")
def uninterrupted(uninterrupted_run):
    return uninterrupted_run[1]


def test_the_run_trains_evaluates_and_writes_a_model_card(uninterrupted_run):
    output_dir, metrics, stdout = uninterrupted_run
    assert set(metrics) == {"accuracy", "f1", "precision", "recall"}
    assert "test " + "  ".join(f"{name}: {value:.4f}" for name, value in metrics.items()) in stdout
    card = (output_dir / "model" / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: transformers\n") and "pipeline_tag: text-classification" in card
    for name, value in metrics.items():  # the held-out scores, the same as test_metrics.json
        assert f"\n- {name}: {value:.4g}\n" in card
    for setting in ("train_batch_size: 16", "seed: 42", "num_epochs: 1", "mixed_precision_training: "):
        assert f"\n- {setting}" in card
    results = card.split("### Training results")[1].split("###")[0]
    rows = [line for line in results.splitlines() if line.startswith("| ") and not line.startswith("| Epoch")]
    assert len(rows) == 1 and rows[0].startswith("| 1 | 10 | ")  # one epoch of 10 steps, one evaluation
    assert (output_dir / "model" / "model.safetensors").exists()


def test_same_seed_twice_gives_identical_metrics(uninterrupted, tmp_path):
    again, _ = run_training(tmp_path)
    assert again == uninterrupted


def test_a_killed_run_resumes_to_the_same_metrics(uninterrupted, tmp_path):
    # stderr to a file: a pipe nobody drains while polling could fill and block the child
    log = (tmp_path.parent / f"{tmp_path.name}-stderr.log").open("w")
    process = subprocess.Popen(train_command(tmp_path), stdout=subprocess.DEVNULL, stderr=log, text=True)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while last_complete_checkpoint(tmp_path) is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # a real crash: no cleanup, no final save
    process.wait(timeout=60)
    log.close()
    assert process.returncode == -signal.SIGKILL, "training finished before it could be killed mid-way"
    killed_at = last_complete_checkpoint(tmp_path)
    assert killed_at is not None and not (tmp_path / "test_metrics.json").exists()
    assert json.loads((killed_at / "trainer_state.json").read_text())["global_step"] < 10

    resumed, stdout = run_training(tmp_path, "--resume")
    assert f"resuming from {killed_at}" in stdout
    assert resumed == uninterrupted


def test_resume_without_a_checkpoint_says_how_to_start(tmp_path):
    result = subprocess.run(train_command(tmp_path, "--resume"), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "no complete checkpoint" in result.stderr and "Start without --resume" in result.stderr


def test_a_half_written_checkpoint_is_skipped(tmp_path):
    for step, complete in [(3, True), (6, False)]:
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        if complete:
            (folder / "trainer_state.json").write_text('{"global_step": 3}')
    assert last_complete_checkpoint(tmp_path) == tmp_path / "checkpoint-3"


def test_two_cpu_processes_under_torchrun(tmp_path):
    # 64 examples, batch 16 per process: 2 processes take 2 steps per epoch where one would take 4.
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "coursekit.train", "--task", "sentiment", "--train-size", "64", "--eval-size", "32",
               "--epochs", "1", "--output-dir", str(tmp_path)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "on 2 process(es)" in result.stdout
    state = json.loads((last_complete_checkpoint(tmp_path) / "trainer_state.json").read_text())
    assert state["global_step"] == 2, "the data was not split between the two processes"
    card = (tmp_path / "model" / "README.md").read_text()
    assert "accuracy:" in card and "## Training procedure" in card
    assert (tmp_path / "model" / "model.safetensors").exists()
    assert set(json.loads((tmp_path / "test_metrics.json").read_text())) == {"accuracy", "f1", "precision", "recall"}
