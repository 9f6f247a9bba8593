"""With the Hub unreachable (a server that accepts connections and never answers), every coursekit entry point
that may touch the Hub answers or fails with a message naming the fix, and nothing but coursekit's own probe
asks the Hub anything.

Each check runs in a fresh interpreter whose environment points HF_ENDPOINT at the silent server before
anything is imported, so huggingface_hub, transformers, datasets and evaluate read it at import: a fetch by
any of them reaches the silent server (which records it, and the test fails) or hangs (pytest-timeout fails
the test). Connections beyond loopback are refused in the child. No test asserts a time.
"""

import pytest

from coursekit.lesson.sources import PROBE_PATH

PROBE = f"HEAD {PROBE_PATH}"
pytestmark = pytest.mark.timeout(600)  # a hang in any library's retries fails here, not at the suite's limit


def python_ok(hanging_hub_python, code: str) -> str:
    result = hanging_hub_python.run(code)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_auto_source_settles_on_offline(hanging_hub_python):
    printed = python_ok(hanging_hub_python, "from coursekit.lesson.sources import resolve_source\n"
                                           "print(resolve_source())")
    assert printed.split() == ["offline"]
    assert hanging_hub_python.hub.requests() == [PROBE], "the probe never reached the silent server"


def test_lesson_start_with_auto_source_uses_the_offline_model_and_data(hanging_hub_python):
    printed = python_ok(hanging_hub_python, """
import transformers  # imported first, as in a lesson
from coursekit.lesson.assets import asset_dir
from coursekit.lesson.data import load_task_dataset
from coursekit.lesson.models import checkpoint_for
checkpoint = checkpoint_for("ner")
print(checkpoint == str(asset_dir("model")))
print(len(load_task_dataset("sentiment")["train"]) > 1000)
transformers.AutoTokenizer.from_pretrained(checkpoint)
transformers.AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=9)
print("loaded")
""")
    assert printed.split() == ["True", "True", "loaded"]
    assert set(hanging_hub_python.hub.requests()) == {PROBE}  # the library loads asked the Hub nothing


def test_explicit_hub_source_fails_naming_the_fix_for_every_task(hanging_hub_python):
    printed = python_ok(hanging_hub_python, """
from coursekit.lesson.data import load_task_dataset
from coursekit.lesson.sources import HubUnreachableError
for task in ("sentiment", "ner", "qa"):
    try:
        load_task_dataset(task, "hub")
    except HubUnreachableError as error:
        print(task, "|", error)
""")
    lines = printed.strip().splitlines()
    assert [line.split(" | ")[0] for line in lines] == ["sentiment", "ner", "qa"], printed
    for line in lines:
        assert "SOURCE = 'offline'" in line and "COURSEKIT_SOURCE=offline" in line
    assert set(hanging_hub_python.hub.requests()) == {PROBE}  # no dataset download started


def test_metrics_load_through_evaluate_without_the_hub(hanging_hub_python):
    printed = python_ok(hanging_hub_python, """
import evaluate
from coursekit.lesson.metrics import metric_path
metric = evaluate.load(metric_path("classification"))
print(metric.compute(predictions=[1, 0], references=[1, 1])["accuracy"])
""")
    assert printed.split() == ["0.5"]
    assert hanging_hub_python.hub.requests() == []  # a local module: nothing to ask the Hub


def test_train_command_with_the_hub_source_fails_naming_the_fix(hanging_hub_python):
    result = hanging_hub_python.run_module("coursekit.train", "--task", "sentiment", "--source", "hub",
                                           "--output-dir", "unused")
    assert result.returncode == 2 and "did not answer" in result.stderr, result.stderr[-3000:]
    assert "COURSEKIT_SOURCE=offline" in result.stderr
    assert set(hanging_hub_python.hub.requests()) == {PROBE}


def test_assets_verify_needs_no_hub(hanging_hub_python):
    result = hanging_hub_python.run_module("coursekit", "assets", "verify")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert hanging_hub_python.hub.requests() == []
