"""Hints for common learner mistakes whose error comes from deep inside a library.

coursekit's own checks (labels, columns, tags, answers, splits, sources, assets, precision) raise
CourseErrors that already name the fix. The mistakes below surface as library errors instead; each
is recognised by its exception type and message, and `explain` returns the fix in course terms.
In a notebook, `install_hints()` (called by `prepare_notebook`) adds the hint under the traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CourseError


@dataclass(frozen=True)
class Hint:
    """One recognisable mistake: which exception, which message, and what to do."""

    key: str
    exception: str  # class name of the exception (any module), e.g. "IndexError"
    pattern: str  # regular expression searched in the exception's message
    fix: str
    in_causes: bool = False  # also match an error the raised one wraps (datasets wraps a file's reading errors)

    def matches(self, exc: BaseException) -> bool:
        return any(self._matches_one(error) for error in ([exc] + (_causes(exc) if self.in_causes else [])))

    def _matches_one(self, exc: BaseException) -> bool:
        names = {cls.__name__ for cls in type(exc).__mro__}
        return self.exception in names and re.search(self.pattern, str(exc)) is not None


def _causes(exc: BaseException) -> list[BaseException]:
    """The errors `exc` wraps (raise ... from ..., or raised while handling them), innermost last."""
    found = []
    while (exc := exc.__cause__ or exc.__context__) is not None and exc not in found:
        found.append(exc)
    return found


HINTS = [
    Hint("labels-out-of-range", "IndexError", r"Target -?\d+ is out of bounds",
         "A label id is outside 0..num_labels-1. Load the model with num_labels equal to the number of "
         "classes (and id2label/label2id from the dataset's names); coursekit.check_labels(model, dataset) "
         "names the offending ids."),
    Hint("string-labels", "ValueError", r"Unable to create tensor.*`labels?`",
         "The label column holds names (strings) or nested lists, not integer ids. Turn names into ids first: "
         "dataset = dataset.class_encode_column('label') (lesson 06), or "
         "dataset.map(lambda ex: {'label': label2id[ex['label']]})."),
    # a learner's own CSV file (lesson 06)
    Hint("float-labels", "ValueError", r"Target size \(torch\.Size\(\[\d+\]\)\) must be the same as input size",
         "The labels are floats (1.0, not 1), so the model treats the task as multi-label, one 0/1 per class. For "
         "one class per text, make them integer ids: dataset = dataset.cast_column('label', datasets.Value('int64')), "
         "or dataset.class_encode_column('label')."),
    # datasets 4.0 (Colab's) lets pyarrow report the unknown name instead (ArrowInvalid is a ValueError)
    Hint("class-only-in-test", "ValueError",
         r"Invalid string class label|Failed to parse string: '[^']*' as a scalar of type int",
         "A label name has no id in the labels it is cast to. Usually the test file has a label that the training "
         "file lacks, so the training ClassLabel has no id for it and the model no output: drop those rows (test = "
         "test.filter(lambda row: row['label'] in label2id)), or add training examples of that class and train "
         "again. If you cast names straight to integers, turn them into ids with class_encode_column('label')."),
    Hint("empty-text", "TypeError", r"TextEncodeInput must be",
         "A text is missing (an empty cell or NaN in the file becomes None). Drop those rows before tokenizing: "
         "dataset = dataset.filter(lambda row: row['text'] is not None and row['text'].strip() != '')."),
    Hint("csv-delimiter", "ValueError", r"not in (the dataset|table columns).*\['[^']*(;|\||\\t|\t)[^']*'\]",
         "The file was read as one column whose name holds the real column names: it is not separated by commas. "
         "Give load_dataset its delimiter: load_dataset('csv', data_files=..., delimiter=';') (or '\\t' for tabs)."),
    Hint("csv-encoding", "UnicodeDecodeError", r"'utf-8' codec can't decode",
         "The file is not UTF-8 (Excel often saves Windows-1252). Give load_dataset its encoding, e.g. "
         "load_dataset('csv', data_files=..., encoding='latin-1'), or save the file again as UTF-8.",
         in_causes=True),
    Hint("not-tokenized", "ValueError", r"includes input_ids, but you provided",
         "The dataset has no input_ids: tokenize it first, e.g. dataset.map(tokenize, batched=True), "
         "and pass the tokenized dataset to Trainer."),
    Hint("column-not-text", "ValueError", r"text input must be of type `str`",
         "The tokenizer needs str or a list of str. In datasets 5, dataset['text'] is a Column object: "
         "wrap it as list(dataset['text']), or tokenize with dataset.map(tokenize, batched=True)."),
    Hint("strategy-name", "ValueError", r"is not a valid (IntervalStrategy|SaveStrategy)",
         "eval_strategy and save_strategy take 'no', 'steps' or 'epoch' (singular)."),
    Hint("renamed-evaluation-strategy", "TypeError", r"unexpected keyword argument 'evaluation_strategy'",
         "transformers renamed it: use eval_strategy='epoch'."),
    Hint("renamed-group-by-length", "TypeError", r"unexpected keyword argument 'group_by_length'",
         "transformers 5 replaced it: use train_sampling_strategy='group_by_length'."),
    Hint("renamed-warmup-ratio", "TypeError", r"unexpected keyword argument 'warmup_ratio'",
         "transformers 5 replaced it: a float below 1 in warmup_steps is a ratio, e.g. warmup_steps=0.1."),
    Hint("evaluate-needs-hub", "FileNotFoundError", r"Couldn't find a module script.*Hugging Face Hub",
         "evaluate.load('accuracy') downloads the metric from the Hub. Offline, load coursekit's copy: "
         "evaluate.load(coursekit.metric_path('classification')) (also 'entities', 'squad')."),
    Hint("load-metric-removed", "ImportError", r"cannot import name 'load_metric'",
         "datasets no longer has load_metric: use evaluate.load(coursekit.metric_path('classification'))."),
    Hint("hub-model-offline", "OSError", r"couldn't connect to|offline mode|is not a local folder",
         "This machine cannot reach the Hugging Face Hub. Use the offline model: "
         "checkpoint = coursekit.checkpoint_for(task) (after `coursekit assets fetch`), or SOURCE = 'offline'."),
    Hint("cells-out-of-order", "NameError", r"name '\w+' is not defined",
         "A name from an earlier cell is missing: the cells above have not run (or the kernel restarted). "
         "Run them in order: Run > Run All Above Selected Cell."),
    Hint("text-too-long", "RuntimeError", r"size of tensor a \(\d+\) must match the size of tensor b \(\d+\)",
         "A text has more tokens than the model has positions (512 for BERT). Tokenize with "
         "truncation=True and max_length (e.g. 128)."),
    Hint("qa-window-too-small", "Exception", r"Sequence to truncate too short|stride.*strictly less",
         "The question leaves no room for the context in max_length, or stride is not smaller than what "
         "is left. Raise max_length, lower stride, or shorten very long questions."),
    Hint("labels-not-aligned", "ValueError", r"Expected input batch_size \(\d+\) to match target batch_size",
         "The labels do not line up with the model's outputs: give one label per token (word tags aligned "
         "with word_ids(), -100 elsewhere), or one label per text for classification."),
    # the message differs by version: "has been removed" (5.2x), "Unknown task" (5.15, Colab's)
    Hint("qa-pipeline-removed", "KeyError", r"task question-answering has been removed|Unknown task question-answering",
         "transformers 5 removed pipeline('question-answering'). Use lesson 04's answer(question, context): "
         "tokenize into windows, run the model, post-process the start and end scores."),
    Hint("bf16-unsupported", "ValueError", r"doesn't support bf16",
         "transformers trains in bf16 on a CPU only with use_cpu=True as well. **coursekit.precision_args(device) "
         "gives both (bf16=True, use_cpu=True) on CPUs with bf16 instructions (AMX or AVX512-BF16), where bf16 is "
         "faster, and fp32 elsewhere; or set bf16=False. On a GPU, bf16 needs Ampere or newer: use fp16 there."),
    Hint("no-train-dataset", "ValueError", r"training requires a train_dataset",
         "Pass train_dataset=... to Trainer before calling train()."),
]


def explain(exc: BaseException) -> str | None:
    """The course's fix for `exc`, or None when it is not a known mistake.

    exc: any exception. CourseErrors already carry their fix, so they return their own message.
    """
    if isinstance(exc, CourseError):
        return str(exc)
    for hint in HINTS:
        if hint.matches(exc):
            return hint.fix
    return None


HINT_COLOUR = "\x1b[1;32m"  # tracebacks are ANSI-coloured; the hint stands out in green


def _traceback_with_hint(shell, etype, value, tb, tb_offset=None):
    # IPython calls this hook instead of showing the error, so it must show it itself: the usual
    # structured traceback (sent to the notebook as a normal error), plus the hint in green.
    try:
        if hasattr(value, "_render_traceback_"):
            stb = value._render_traceback_()
        else:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
        fix = None if isinstance(value, CourseError) else explain(value)
        if fix:
            stb = stb + [f"\n{HINT_COLOUR}coursekit hint:\x1b[0m {fix}"]
        shell._showtraceback(etype, value, stb)
    except Exception:  # never let the hint machinery hide the learner's error
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_hints() -> bool:
    """In IPython/Jupyter, print a course hint under errors caused by known mistakes; True if installed."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((Exception,), _traceback_with_hint)
    return True
