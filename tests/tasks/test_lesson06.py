"""Lesson 06's references and comparisons against hand-worked answers and scikit-learn: which validation
counts a stratified split may have, what each wrong split is told, the reference split itself,
macro-F1 from a confusion matrix, and the messages the class-weight and macro-F1 mistakes get when a
learner writes them with scikit-learn or numpy."""

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.utils.class_weight import compute_class_weight

from coursekit.tasks.lesson06 import Split, _allowed, macro_f1_from_confusion, split_matches, stratified_split
from coursekit.tasks.registry import get_task
from tests.tasks.grading import feedback


@pytest.mark.parametrize("count,share,allowed", [
    (10, 0.2, (1, 3)),  # 2 rows, give or take one
    (10, 0.25, (2, 3)),  # 2.5 rows: within 1 of it
    (20, 0.15, (2, 4)),  # 3 rows, though 0.15 x 20 is 3.0000000000000004 in floating point
    (40, 0.15, (5, 7)),
    (7, 0.2, (1, 2)),  # 1.4 rows: at least one
    (3, 0.15, (1, 1)),  # 0.45 rows rounds to 0: at least one all the same
    (2, 0.5, (1, 1)),  # one row must stay for training
    (3, 0.5, (1, 2)),  # 1.5 rows, and at most all but one
    (1, 0.2, (1, 1)),  # a class of one row cannot be in both parts: one row is the most asked
])
def test_a_class_may_have_its_share_of_validation_rows_give_or_take_one(count, share, allowed):
    assert _allowed(count, share) == allowed


LABELS = ["a"] * 10 + ["b"] * 5  # rows 0-9 are class a, 10-14 class b
WANTED = "a split with, per class, validation rows in {'a': '1-3', 'b': '1-2'}"


@pytest.mark.parametrize("got,shown,detail", [
    (None, "None", "expected two lists of row numbers: (train_rows, validation_rows)"),
    ([[0, 1], [2], [3]], "[[0, 1], [2], [3]]", "expected two lists of row numbers: (train_rows, validation_rows)"),
    ([list(range(14)), 14], "[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 14]",
     "expected two lists of row numbers: (train_rows, validation_rows)"),
    ([[float(row) for row in range(13)], [13.0, 14.0]], None, "row numbers must be ints"),
    ([[True] + list(range(1, 14)), [14]], None, "row numbers must be ints"),
    ([list(range(2, 12)), [12]], None, "every row 0..n-1 must be in exactly one part: missing rows [0, 1, 13, 14]"),
    ([list(range(15)), [3, 4]], None, "every row 0..n-1 must be in exactly one part: rows in both parts or twice [3, 4]"),
    ([list(range(14)), [14, 15]], None, "every row 0..n-1 must be in exactly one part: rows outside 0..n-1"),
    ([list(range(1, 14)), [14, 14]], None, "every row 0..n-1 must be in exactly one part: missing rows [0]; "
                                           "rows in both parts or twice [14]"),
])
def test_what_is_not_a_split_of_the_rows_is_told_why(got, shown, detail):
    mismatch = split_matches(Split([], LABELS, 0.2), got)
    assert mismatch.expected == WANTED
    assert mismatch.got == (shown if shown is not None else repr(got))
    assert mismatch.detail == detail


def test_only_the_first_five_rows_are_listed():
    mismatch = split_matches(Split([], LABELS, 0.2), [[7], [8]])
    assert mismatch.detail == "every row 0..n-1 must be in exactly one part: missing rows [0, 1, 2, 3, 4]"
    mismatch = split_matches(Split([], LABELS, 0.2), [list(range(15)), list(range(8))])
    assert mismatch.detail == "every row 0..n-1 must be in exactly one part: rows in both parts or twice [0, 1, 2, 3, 4]"


def test_a_class_with_one_allowed_count_is_shown_as_that_count():
    mismatch = split_matches(Split([], ["a"] * 10 + ["c"] * 3, 0.15), None)
    assert mismatch.expected == "a split with, per class, validation rows in {'a': '1-2', 'c': 1}"


@pytest.mark.parametrize("train,validation,got,detail", [
    (list(range(2, 15)), [0, 1], "validation rows per class {'a': 2}", "class 'b' is missing from validation"),
    (list(range(10)), list(range(10, 15)), "validation rows per class {'b': 5}", "class 'a' is missing from validation"),
    ([0, 1] + list(range(3, 10)), [2] + list(range(10, 15)), "validation rows per class {'a': 1, 'b': 5}",
     "class 'b' is missing from training"),
    (list(range(5, 14)), [0, 1, 2, 3, 4, 14], "validation rows per class {'a': 5, 'b': 1}",
     "class 'a' has 5 of its 10 rows in validation"),
    (list(range(2, 10)) + [13, 14], [0, 1, 10, 11, 12], "validation rows per class {'a': 2, 'b': 3}",
     "class 'b' has 3 of its 5 rows in validation"),
])
def test_a_split_that_loses_a_class_or_its_share_is_told_which_class(train, validation, got, detail):
    mismatch = split_matches(Split([], LABELS, 0.2), [train, validation])
    assert (mismatch.expected, mismatch.got, mismatch.detail) == (WANTED, got, detail)


@pytest.mark.parametrize("validation", [[0, 10], [0, 1, 2, 10, 11], [5, 6, 14]])
def test_any_split_within_the_shares_passes(validation):
    train = [row for row in range(15) if row not in validation]
    assert split_matches(Split([], LABELS, 0.2), [train, validation]) is None


@pytest.mark.parametrize("check,train,validation,matches", [
    ("swapped", [0, 10], [row for row in range(15) if row not in (0, 10)], True),
    ("swapped", [row for row in range(15) if row not in (0, 10)], [0, 10], False),
    ("class-missing", list(range(2, 15)), [0, 1], True),
    ("class-missing", list(range(1, 10)) + list(range(11, 15)), [0, 10], False),
    ("not-stratified", list(range(5, 14)), [0, 1, 2, 3, 4, 14], True),
    ("not-stratified", list(range(2, 15)), [0, 1], False),  # a class missing is the other mistake
])
def test_a_known_wrong_split_is_recognised_by_what_it_gets_wrong(check, train, validation, matches):
    mismatch = split_matches(Split([[], []], LABELS, 0.2, check), [train, validation])
    assert (mismatch is None) is matches
    if not matches:
        assert mismatch.expected == WANTED and mismatch.got.startswith("validation rows per class")


def test_the_reference_split_is_reproducible_by_seed_and_keeps_every_class_in_both_parts():
    labels = ["x"] * 2 + ["y"] * 30 + ["z"] * 3
    first = stratified_split(labels, 0.9, seed=4)
    assert first == stratified_split(labels, 0.9, seed=4)
    assert any(stratified_split(labels, 0.2, seed) != stratified_split(labels, 0.2, 0) for seed in range(1, 5))
    train, validation = first
    for label in "xyz":  # 90% of a 2-row class is 2 rows, but one must stay for training
        assert any(labels[row] == label for row in train) and any(labels[row] == label for row in validation)


@pytest.mark.parametrize("matrix", [
    [[50, 2, 3], [4, 6, 0], [1, 1, 3]],
    [[90, 0], [10, 0]],
    [[5, 0, 0], [0, 0, 0], [1, 0, 4]],  # a class with no documents and no predictions: F1 0, no division by 0
    [[0, 3], [2, 0]],
])
def test_macro_f1_from_confusion_equals_scikit_learn(matrix):
    truth = [t for t, row in enumerate(matrix) for p, n in enumerate(row) for _ in range(n)]
    predicted = [p for t, row in enumerate(matrix) for p, n in enumerate(row) for _ in range(n)]
    expected = f1_score(truth, predicted, average="macro", labels=range(len(matrix)), zero_division=0)
    assert macro_f1_from_confusion(matrix) == pytest.approx(expected)


# ---- known wrong answers, written as a learner would (with scikit-learn and numpy), get their message ----

def _documents(matrix):
    matrix = np.asarray(matrix)
    truth = [t for t in range(len(matrix)) for p in range(len(matrix)) for _ in range(matrix[t][p])]
    predicted = [p for t in range(len(matrix)) for p in range(len(matrix)) for _ in range(matrix[t][p])]
    return truth, predicted


def _sklearn(score, **options):
    def answer(matrix):
        truth, predicted = _documents(matrix)
        return score(truth, predicted, labels=list(range(len(matrix))), zero_division=0, **options)
    return answer


def _f1_of_mean_precision_and_recall(matrix):
    precision = _sklearn(precision_score, average="macro")(matrix)
    recall = _sklearn(recall_score, average="macro")(matrix)
    return 2 * precision * recall / (precision + recall)


def _over_predicted_classes(matrix):
    truth, predicted = _documents(matrix)
    return f1_score(truth, predicted, labels=sorted(set(predicted)), average="macro", zero_division=0)


@pytest.mark.parametrize("answer,message", [
    (lambda m: float(np.trace(np.asarray(m)) / np.asarray(m).sum()), "That is micro-F1"),
    (_sklearn(f1_score, average="weighted"), "That is the weighted average"),
    (_sklearn(recall_score, average="macro"), "That is the mean recall"),
    (_sklearn(precision_score, average="macro"), "That is the mean precision"),
    (_f1_of_mean_precision_and_recall, "That is the F1 of the mean precision and mean recall"),
    (_over_predicted_classes, "A class the model never predicts still counts"),
], ids=["micro", "weighted", "mean recall", "mean precision", "F1 of means", "predicted classes only"])
def test_macro_f1_mistakes_written_with_scikit_learn_get_their_message(answer, message):
    cases = [case.args for case in get_task("06-macro-f1").visible]
    assert message in feedback("06-macro-f1", answer, *cases)


def _balanced(labels, num_classes):
    return compute_class_weight("balanced", classes=np.arange(num_classes), y=np.asarray(labels))


def _counts(labels, num_classes):
    return np.bincount(np.asarray(labels), minlength=num_classes)


@pytest.mark.parametrize("answer,message", [
    (lambda s, k: _balanced(s["test"], k), "Those are weights from the test split"),
    (lambda s, k: _balanced(s["validation"], k), "Those are weights from the validation split"),
    (lambda s, k: _balanced(s["train"] + s["validation"] + s["test"], k), "count every split"),
    (lambda s, k: 1 / _counts(s["train"], k), "1 / count is the right shape but not normalised"),
    (lambda s, k: (1 / _counts(s["train"], k)) / (1 / _counts(s["train"], k)).sum(), "Those weights sum to 1"),
    (lambda s, k: k * (1 / _counts(s["train"], k)) / (1 / _counts(s["train"], k)).sum(),
     "Those weights average 1 over the classes"),
    (lambda s, k: _counts(s["train"], k) / len(s["train"]), "Those are the class frequencies"),
], ids=["test split", "validation split", "all splits", "1/count", "sum 1", "mean 1 over classes", "frequencies"])
def test_class_weight_mistakes_written_with_numpy_get_their_message(answer, message):
    cases = [case.args for case in get_task("06-class-weights").visible]
    assert message in feedback("06-class-weights", answer, *cases)
