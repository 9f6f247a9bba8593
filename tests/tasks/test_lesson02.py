"""Lesson 02's references and comparisons against independent answers: scikit-learn's scores for
compute_metrics (and for the averaged variant that names the macro mistake), and what the grader says
when early_stopping_args returns something other than TrainingArguments (as the probe reports it)."""

import random

import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from coursekit.tasks.lesson02 import compare_arguments, compare_encoding, compute_metrics


def _eval_pred(seed: int) -> dict:
    rng = random.Random(seed)
    count = rng.randint(1, 12)  # small sets: one predicted or one true positive happens often
    predictions = [[rng.uniform(-3, 3), rng.uniform(-3, 3)] for _ in range(count)]
    return {"predictions": predictions, "label_ids": [rng.randint(0, 1) for _ in range(count)]}


def _sklearn(eval_pred: dict, average: str) -> dict:
    predicted = [int(row[1] > row[0]) for row in eval_pred["predictions"]]
    labels = eval_pred["label_ids"]
    precision, recall, f1, _ = precision_recall_fscore_support(labels, predicted, average=average, labels=[0, 1],
                                                               zero_division=0)
    return {"accuracy": accuracy_score(labels, predicted), "precision": precision, "recall": recall, "f1": f1}


@pytest.mark.parametrize("average", ["binary", "macro"])
def test_compute_metrics_equals_scikit_learn(average):
    # binary: the reference; macro: the wrong variant whose values name the "averaged over both classes" mistake
    for seed in range(300):
        eval_pred = _eval_pred(seed)
        assert compute_metrics(eval_pred, average=average) == pytest.approx(_sklearn(eval_pred, average)), seed


def test_one_predicted_positive_gives_precision_of_its_single_hit():
    eval_pred = {"predictions": [[0, 1], [1, 0], [1, 0]], "label_ids": [1, 1, 0]}
    assert compute_metrics(eval_pred) == pytest.approx({"accuracy": 2 / 3, "precision": 1.0, "recall": 0.5,
                                                        "f1": 2 / 3})


@pytest.mark.parametrize("reported,kind", [
    ({"training_arguments": False, "type": "None"}, "None"),
    ({"training_arguments": False, "type": "dict"}, "a dict"),
    ({"training_arguments": False, "type": "SimpleNamespace"}, "a SimpleNamespace object"),
    ({"training_arguments": False, "type": "ArgumentBag"}, "an ArgumentBag object"),
    ({"training_arguments": False, "type": "Namespace"}, "a Namespace object"),
    ({"training_arguments": False, "type": "XArgs"}, "a XArgs object"),  # only a vowel takes "an"
    ([1, 2], "a list"),
    (None, "None"),
])
def test_what_came_back_instead_of_training_arguments_is_named(reported, kind):
    mismatch = compare_arguments({"output_dir": "runs"}, reported)
    assert mismatch.detail == f"return TrainingArguments(...), not {kind}"


def test_a_class_name_from_the_kernel_is_cut_and_escaped():
    # the name comes from the learner's code: shown cut to 80 characters, with control characters escaped
    mismatch = compare_arguments({"output_dir": "runs"}, {"training_arguments": False,
                                                          "type": "A\x1b[2J" + "x" * 200})
    assert "\x1b" not in mismatch.detail
    assert mismatch.detail.startswith("return TrainingArguments(...), not an A\\x1b[2J" + "x" * 75 + "...")
    assert mismatch.detail.endswith("... object")


# ---- what each wrong encoding is told (plain data, as the probe returns it; no tokenizer needed) ---------

EXPECTED = {"input_ids": [[101, 7, 8, 102], [101, 9, 102]], "attention_mask": [[1, 1, 1, 1], [1, 1, 1]]}
WANT = "tokens per text: [4, 3] (truncated at 128, not padded)"


@pytest.mark.parametrize("got,expected,shown,detail", [
    ([[101, 7, 8, 102]], "a dict-like encoding with input_ids and attention_mask", "[[101, 7, 8, 102]]",
     "return what the tokenizer returns"),
    ({"ids": []}, "a dict-like encoding with input_ids and attention_mask", "{'ids': []}",
     "return what the tokenizer returns"),
    ({"input_ids": [[101, 7, 8, 102]], "attention_mask": [[1, 1, 1, 1]]}, WANT, "tokens per text: [4]",
     "expected one encoding per text (2), got 1"),
    ({"input_ids": [[101, 7, 8, 102], "101 9 102"]}, WANT, "tokens per text: [4, 'a string']",
     "input_ids must be one list of ids per text"),
    ({"input_ids": [[101, 7, 8, 102], [101, 9, 102, 0]]}, WANT, "tokens per text: [4, 4]",
     "every text has the same length: do not pad here, the data collator pads each batch"),
    ({"input_ids": [[101] + [5] * 128 + [102], [101, 9, 102]]}, WANT, "tokens per text: [130, 3]",
     "a text is longer than 128 tokens: truncate"),
    ({"input_ids": [[101, 7, 102], [101, 9, 102]]}, WANT, "tokens per text: [3, 3]",
     "every text has the same length: do not pad here, the data collator pads each batch"),
    ({"input_ids": [[101, 7, 8, 102], [101, 9]]}, WANT, "tokens per text: [4, 2]",
     "text 2 (3 tokens) came back with 2: truncate at 128 tokens"),
    ({"input_ids": [[101, 7, 8, 102], [9, 102, 0]]}, WANT + " and the tokenizer's ids", "other token ids",
     "each text must start with [CLS] (101) and end with [SEP] (102)"),
    ({"input_ids": [[101, 7, 8, 102], [101, 9, 103]]}, WANT + " and the tokenizer's ids", "other token ids",
     "each text must start with [CLS] (101) and end with [SEP] (102)"),
    ({"input_ids": [[101, 7, 8, 102], [101, 4, 102]]}, WANT + " and the tokenizer's ids", "other token ids",
     "use the notebook's tokenizer"),
    ({"input_ids": EXPECTED["input_ids"], "attention_mask": [[1, 1, 1, 1], [1, 1, 0]]},
     "an attention_mask of 1s, one per token", "[[1, 1, 1, 1], [1, 1, 0]]",
     "keep the attention_mask the tokenizer returns"),
])
def test_each_wrong_encoding_is_told_what_to_fix(got, expected, shown, detail):
    mismatch = compare_encoding(EXPECTED, got)
    assert (mismatch.expected, mismatch.got, mismatch.detail) == (expected, shown, detail)


def test_the_tokenizers_own_encoding_matches():
    assert compare_encoding(EXPECTED, dict(EXPECTED, token_type_ids=[[0] * 4, [0] * 3])) is None


def test_different_lengths_that_are_not_all_equal_are_not_called_padding():
    # three texts: two padded to one length but not the third is a truncation problem, not padding
    expected = {"input_ids": [[101, 1, 102], [101, 1, 1, 102], [101, 1, 1, 1, 102]]}
    mismatch = compare_encoding(expected, {"input_ids": [[101, 1, 102], [101, 1, 1, 102], [101, 1, 1, 102]]})
    assert mismatch.detail == "text 3 (5 tokens) came back with 4: truncate at 128 tokens"
    # texts that should all have one length, all longer: not a padding problem either
    same = {"input_ids": [[101, 1, 102], [101, 2, 102]]}
    mismatch = compare_encoding(same, {"input_ids": [[101, 1, 1, 102], [101, 2, 2, 102]]})
    assert mismatch.detail == "text 1 (3 tokens) came back with 4: truncate at 128 tokens"
    exactly_128 = {"input_ids": [[101] + [1] * 126 + [102], [101, 102]]}
    mismatch = compare_encoding(exactly_128, {"input_ids": [[101] + [1] * 126 + [102], [101, 1, 102]]})
    assert mismatch.detail == "text 2 (2 tokens) came back with 3: truncate at 128 tokens"


# ---- what each wrong TrainingArguments is told ---------------------------------------------------------

ARGUMENTS = {"training_arguments": True, "output_dir": "runs", "eval_strategy": "epoch", "save_strategy": "epoch",
             "load_best_model_at_end": True, "metric_for_best_model": "eval_loss", "greater_is_better": False,
             "report_to": []}


@pytest.mark.parametrize("field,wrong,expected", [
    ("metric_for_best_model", "accuracy", "metric_for_best_model='eval_loss'"),
    ("greater_is_better", True, "greater_is_better=False"),
    ("eval_strategy", "steps", "eval_strategy='epoch'"),
    ("output_dir", "checkpoints", "output_dir='runs'"),
])
def test_each_wrong_field_is_named_with_its_value(field, wrong, expected):
    from coursekit.tasks.lesson02 import _WHY, early_stopping_args

    mismatch = compare_arguments(early_stopping_args("runs"), dict(ARGUMENTS, **{field: wrong}))
    assert (mismatch.expected, mismatch.got, mismatch.detail) == (expected, f"{field}={wrong!r}", _WHY[field])
    assert compare_arguments(early_stopping_args("runs"), ARGUMENTS) is None


def test_something_else_than_training_arguments_is_shown_as_what_it_is():
    mismatch = compare_arguments({"output_dir": "runs"}, {"training_arguments": False, "type": "dict"})
    assert (mismatch.expected, mismatch.got) == ("TrainingArguments(...)", "a dict")
