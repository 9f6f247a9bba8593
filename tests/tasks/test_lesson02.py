"""Lesson 02's references and comparisons against independent answers: scikit-learn's scores for
compute_metrics (and for the averaged variant that names the macro mistake), and what the grader says
when early_stopping_args returns something other than TrainingArguments (as the probe reports it)."""

import random

import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from coursekit.tasks.lesson02 import compare_arguments, compute_metrics


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
