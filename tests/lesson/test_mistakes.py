"""Every row of docs/learner-mistakes.md, reproduced: the mistake is made for real and the message
the learner gets names the fix.

Two kinds of rows: `course` mistakes are caught by a coursekit check before any library call
fails (a CourseError naming the fix); `library` mistakes surface as a library error, which
coursekit recognises (coursekit.mistakes.explain, shown under the traceback in notebooks).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
import torch
from transformers import (AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer,
                          DataCollatorWithPadding, Trainer, TrainingArguments)

from coursekit.lesson import models, precision, sources
from coursekit.lesson.data import check_columns, check_examples, load_task_dataset
from coursekit.errors import CourseError
from coursekit.tasks.check import run_task
from coursekit.lesson.mistakes import HINTS, explain
from coursekit.lesson.precision import check_precision
from coursekit.lesson.training import check_labels

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "learner-mistakes.md"


@pytest.fixture(scope="module")
def checkpoint():
    return models.checkpoint_for("sentiment", "offline")


@pytest.fixture(scope="module")
def tokenizer(checkpoint):
    return AutoTokenizer.from_pretrained(checkpoint)


@pytest.fixture(scope="module")
def classifier(checkpoint):
    return AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2)


@pytest.fixture(scope="module")
def tagger(checkpoint):
    return AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=9)


def arguments(tmp_path, **kwargs):
    return TrainingArguments(output_dir=str(tmp_path), report_to="none", **kwargs)


def in_fresh_python(code: str) -> str:
    """Run `code` in a new offline interpreter (the Hub settings are read at import time); its stdout."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    # a hang guard, not a time limit: one import of evaluate took two minutes on a loaded 2-core machine
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


EXPLAIN_IN_FRESH_PYTHON = """
from coursekit.lesson.mistakes import explain
try:
    {statement}
except Exception as exc:
    print(type(exc).__name__, '|', explain(exc))
else:
    print('no error')
"""

# ---- library mistakes: (id, reproduction) -- the reproduction must raise the real library error.


def labels_out_of_range(ctx):
    ctx.classifier(**ctx.tokenizer(["a fine film"], return_tensors="pt"), labels=torch.tensor([2]))


def string_labels(ctx):
    DataCollatorWithPadding(ctx.tokenizer)([{"input_ids": [101, 102], "label": "positive"},
                                            {"input_ids": [101, 7, 102], "label": "negative"}])


def not_tokenized(ctx):
    raw = datasets.Dataset.from_dict({"text": ["a fine film", "dull"], "label": [1, 0]})
    Trainer(model=ctx.classifier, args=arguments(ctx.tmp_path, use_cpu=True), train_dataset=raw,
            processing_class=ctx.tokenizer).train()


def column_not_text(ctx):
    raw = datasets.Dataset.from_dict({"text": ["a fine film", "dull"]})
    ctx.tokenizer(raw["text"], truncation=True)


def strategy_name(ctx):
    arguments(ctx.tmp_path, eval_strategy="epochs")


def renamed_evaluation_strategy(ctx):
    arguments(ctx.tmp_path, evaluation_strategy="epoch")


def renamed_group_by_length(ctx):
    arguments(ctx.tmp_path, group_by_length=True)


def renamed_warmup_ratio(ctx):
    arguments(ctx.tmp_path, warmup_ratio=0.1)


def bf16_unsupported(ctx):
    if torch.cuda.is_available():
        pytest.skip("this machine's GPU may support bf16")
    arguments(ctx.tmp_path, bf16=True)


def load_metric_removed(ctx):
    from datasets import load_metric  # noqa: F401


def cells_out_of_order(ctx):
    exec("trainer.train()", {})


def text_too_long(ctx):
    ctx.classifier(**ctx.tokenizer(["word " * 600], return_tensors="pt"))


def qa_window_too_small(ctx):
    ctx.tokenizer("which of the many long questions " * 5, "a context " * 40, max_length=32, stride=16,
                  truncation="only_second", return_overflowing_tokens=True)


def labels_not_aligned(ctx):
    ctx.classifier(**ctx.tokenizer(["a fine film"], return_tensors="pt"), labels=torch.tensor([1, 0]))


def no_train_dataset(ctx):
    Trainer(model=ctx.classifier, args=arguments(ctx.tmp_path, use_cpu=True)).train()


def qa_pipeline_removed(ctx):
    from transformers import pipeline

    pipeline("question-answering", model=ctx.checkpoint)


def write_csv(ctx, name, content: bytes):
    path = ctx.tmp_path / name
    path.write_bytes(content)
    return str(path)


def float_labels(ctx):
    # pandas reads a label column with a gap as floats (1.0); the model then infers a multi-label task and
    # remembers it in its config, so this needs a model of its own (not the shared classifier)
    model = AutoModelForSequenceClassification.from_pretrained(ctx.checkpoint, num_labels=2)
    model(**ctx.tokenizer(["a fine film", "dull"], return_tensors="pt", padding=True), labels=torch.tensor([1.0, 0.0]))


def class_only_in_test(ctx):
    files = {"train": write_csv(ctx, "train.csv", b"text,label\nfine,pos\nbad,neg\n"),
             "test": write_csv(ctx, "test.csv", b"text,label\nfine,pos\nmeh,neutral\n")}
    raw = datasets.load_dataset("csv", data_files=files)
    train = raw["train"].class_encode_column("label")
    raw["test"].cast_column("label", train.features["label"])


def empty_text(ctx):
    rows = datasets.load_dataset("csv", data_files=write_csv(ctx, "gap.csv", b"text,label\nfine film,pos\n,neg\n"))
    rows["train"].map(lambda batch: ctx.tokenizer(batch["text"], truncation=True), batched=True)


def csv_delimiter(ctx):
    rows = datasets.load_dataset("csv", data_files=write_csv(ctx, "semicolons.csv", b"text;label\nfine;pos\nbad;neg\n"))
    rows["train"].class_encode_column("label")


def csv_encoding(ctx):
    datasets.load_dataset("csv", data_files=write_csv(ctx, "excel.csv", "text,label\ncafé,pos\n".encode("cp1252")))


LIBRARY = {
    "labels-out-of-range": labels_out_of_range,
    "string-labels": string_labels,
    "not-tokenized": not_tokenized,
    "column-not-text": column_not_text,
    "strategy-name": strategy_name,
    "renamed-evaluation-strategy": renamed_evaluation_strategy,
    "renamed-group-by-length": renamed_group_by_length,
    "renamed-warmup-ratio": renamed_warmup_ratio,
    "bf16-unsupported": bf16_unsupported,
    "load-metric-removed": load_metric_removed,
    "cells-out-of-order": cells_out_of_order,
    "text-too-long": text_too_long,
    "qa-window-too-small": qa_window_too_small,
    "labels-not-aligned": labels_not_aligned,
    "no-train-dataset": no_train_dataset,
    "qa-pipeline-removed": qa_pipeline_removed,
    "float-labels": float_labels,
    "class-only-in-test": class_only_in_test,
    "empty-text": empty_text,
    "csv-delimiter": csv_delimiter,
    "csv-encoding": csv_encoding,
}
# These need a fresh interpreter with the Hub switched off, so they run as code in a subprocess.
LIBRARY_IN_FRESH_PYTHON = {
    "evaluate-needs-hub": "import evaluate; evaluate.load('accuracy')",
    "hub-model-offline": "from transformers import AutoModel; AutoModel.from_pretrained('bert-base-uncased')",
}

# ---- course mistakes: (id, reproduction, words the message must contain)


def cpu_without_bf16(ctx):
    ctx.monkeypatch.setattr(precision, "cpu_bf16_support", lambda: (False, "no bf16 instructions"))
    ctx.monkeypatch.delenv(precision.ENV_VAR, raising=False)
    check_precision(arguments(ctx.tmp_path, bf16=True, use_cpu=True))


def hub_source_unreachable(ctx):
    # In a fresh interpreter whose Hugging Face libraries read the silent Hub at import: a fetch would be seen.
    child = ctx.request.getfixturevalue("hanging_hub_python")
    result = child.run("from coursekit.lesson.data import load_task_dataset\n"
                       "from coursekit.lesson.sources import HubUnreachableError\n"
                       "try:\n"
                       "    load_task_dataset('sentiment', 'hub')\n"
                       "except HubUnreachableError as error:\n"
                       "    print(error)\n")
    assert result.returncode == 0 and result.stdout.strip(), result.stderr[-2000:]
    assert set(child.hub.requests()) == {f"HEAD {sources.PROBE_PATH}"}, "something but the probe asked the Hub"
    raise sources.HubUnreachableError(result.stdout.strip())


def missing_assets(ctx):
    ctx.monkeypatch.setenv("COURSEKIT_CACHE", str(ctx.tmp_path / "empty-cache"))
    load_task_dataset("ner", "offline")


def exercise_unfilled(ctx):
    result = run_task("03-entities", lambda *args: None)  # the exercise's `...` placeholder returns None
    raise CourseError(result["message"])


COURSE = {
    "num-labels-mismatch": (
        lambda ctx: check_labels(ctx.classifier, datasets.Dataset.from_dict(
            {"label": [0, 1, 2]}, features=datasets.Features(
                {"label": datasets.ClassLabel(names=["negative", "neutral", "positive"])}))),
        ["num_labels=3"]),
    "label-ids-out-of-range": (
        lambda ctx: check_labels(ctx.classifier, datasets.Dataset.from_dict({"label": [0, 2]})),
        ["outside 0..1", "num_labels"]),
    "label-names-not-ids": (
        lambda ctx: check_labels(ctx.classifier, datasets.Dataset.from_dict({"label": ["positive", "negative"]})),
        ["integer class ids", "label2id"]),
    "token-labels-not-aligned": (
        lambda ctx: check_labels(ctx.tagger, datasets.Dataset.from_dict(
            {"input_ids": [[101, 7, 8, 9, 102]], "labels": [[1, 2, 0]]})),
        ["one label per token", "word_ids()"]),
    "fp16-without-gpu": (
        lambda ctx: check_precision(arguments(ctx.tmp_path, fp16=True, use_cpu=True)),
        ["needs a GPU", "precision_args"]),
    "bf16-on-slow-cpu": (cpu_without_bf16, ["slower than fp32", "precision_args"]),
    "unknown-task": (lambda ctx: load_task_dataset("sentiment-analysis"), ["sentiment, ner, qa"]),
    "unknown-split": (lambda ctx: load_task_dataset("sentiment", split="dev"), ["split='validation'"]),
    "missing-column": (
        lambda ctx: check_columns(datasets.Dataset.from_dict({"sentence": ["fine"], "label": [1]}), "sentiment"),
        ["rename_column('sentence', 'text')"]),
    "tag-not-in-label-list": (
        lambda ctx: check_examples(datasets.Dataset.from_dict(
            {"tokens": [["Ada", "Lovelace"]], "ner_tags": [["B-PER", "I-PERSON"]]}), "ner",
            label_names=["O", "B-PER", "I-PER"]),
        ["'I-PERSON'", "Add it to the label list"]),
    "answer-not-in-context": (
        lambda ctx: check_examples(datasets.Dataset.from_dict(
            {"id": ["q1"], "context": ["Ada Lovelace wrote it."], "question": ["Who wrote it?"],
             "answers": [{"text": ["Lovelace"], "answer_start": [0]}]}), "qa"),
        ["set answer_start to 4"]),
    "empty-split": (
        lambda ctx: check_examples(datasets.DatasetDict({"train": datasets.Dataset.from_dict(
            {"text": [], "label": []})}), "sentiment"),
        ["no rows", "select()"]),
    "unknown-source": (lambda ctx: sources.resolve_source("local"), ["auto, hub, offline"]),
    "hub-source-unreachable": (hub_source_unreachable, ["SOURCE = 'offline'", "COURSEKIT_SOURCE=offline"]),
    "missing-assets": (missing_assets, ["coursekit assets fetch"]),
    "exercise-unfilled": (exercise_unfilled, ["placeholder", "YOUR CODE HERE"]),
}


class Context:
    """What a reproduction may use: the checkpoint, the tokenizer, two models, a temporary folder, monkeypatch."""

    def __init__(self, request, tmp_path, monkeypatch):
        self.request, self.tmp_path, self.monkeypatch = request, tmp_path, monkeypatch

    @property
    def checkpoint(self):
        return self.request.getfixturevalue("checkpoint")

    @property
    def tokenizer(self):
        return self.request.getfixturevalue("tokenizer")

    @property
    def classifier(self):
        return self.request.getfixturevalue("classifier")

    @property
    def tagger(self):
        return self.request.getfixturevalue("tagger")


@pytest.fixture
def ctx(request, tmp_path, monkeypatch):
    return Context(request, tmp_path, monkeypatch)


HINT_FIX = {hint.key: hint.fix for hint in HINTS}


@pytest.mark.parametrize("key", sorted(LIBRARY))
def test_library_mistake_gets_the_course_hint(key, ctx):
    with pytest.raises(Exception) as raised:
        LIBRARY[key](ctx)
    assert not isinstance(raised.value, CourseError)
    assert explain(raised.value) == HINT_FIX[key], f"{type(raised.value).__name__}: {raised.value}"


@pytest.mark.parametrize("key", sorted(LIBRARY_IN_FRESH_PYTHON))
def test_library_mistake_without_the_hub_gets_the_course_hint(key):
    output = in_fresh_python(EXPLAIN_IN_FRESH_PYTHON.format(statement=LIBRARY_IN_FRESH_PYTHON[key]))
    assert output.split(" | ", 1)[1].strip() == HINT_FIX[key], output


@pytest.mark.parametrize("key", sorted(COURSE))
def test_course_check_names_the_fix(key, ctx):
    reproduce, fix_words = COURSE[key]
    with pytest.raises(CourseError) as raised:
        reproduce(ctx)
    for words in fix_words:
        assert words in str(raised.value)
    assert explain(raised.value) == str(raised.value)


def test_a_tab_separated_file_gets_the_delimiter_hint_too(ctx):
    rows = datasets.load_dataset("csv", data_files=write_csv(ctx, "tabs.csv", b"text\tlabel\nfine\tpos\n"))
    with pytest.raises(ValueError) as raised:
        rows["train"].rename_column("label", "labels")
    assert explain(raised.value) == HINT_FIX["csv-delimiter"]


def test_a_missing_column_in_a_comma_file_is_not_called_a_delimiter_problem():
    assert explain(ValueError("Column (label) not in table columns (['text', 'category']).")) is None


def test_every_hint_is_reproduced():
    assert set(HINT_FIX) == set(LIBRARY) | set(LIBRARY_IN_FRESH_PYTHON)


def test_the_docs_table_lists_exactly_the_reproduced_mistakes():
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", DOC.read_text(), flags=re.M)
    assert len(rows) == len(set(rows)) >= 20
    assert set(rows) == set(LIBRARY) | set(LIBRARY_IN_FRESH_PYTHON) | set(COURSE)


def test_a_notebook_shows_the_hint_under_the_real_traceback():
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import coursekit\ncoursekit.prepare_notebook(seed=0)"),
        nbformat.v4.new_code_cell("trainer.train()"),
        nbformat.v4.new_code_cell("1 / 0"),
    ])
    # This interpreter's kernel (nbval's --nbval-current-env), not whichever "python3" kernelspec comes first.
    kernel = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
    NotebookClient(nb, km=kernel, timeout=120, allow_errors=True).execute()
    (known,), (unknown,) = nb.cells[1].outputs, nb.cells[2].outputs
    assert known.output_type == "error" and known.ename == "NameError"  # the learner's error is kept
    assert "coursekit hint:" in known.traceback[-1] and "Run All Above" in known.traceback[-1]
    assert unknown.ename == "ZeroDivisionError"
    assert not any("coursekit hint" in line for line in unknown.traceback)
