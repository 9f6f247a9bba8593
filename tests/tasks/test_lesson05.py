"""Lesson 05's tasks: the references against hand-worked answers and independent implementations,
the known wrong answers as a learner would write them (each gets its own feedback through the
grading path), and what the hidden cases must draw for the grading to catch them."""

import json
import random
import warnings
from collections import Counter

import numpy as np
import pytest

from coursekit.sandbox.probe import invoke
from coursekit.tasks import lesson05
from coursekit.tasks.registry import Case, get_task
from coursekit.tasks.verdict import collect, judge
from tests.tasks.grading import SEEDS, caught, feedback, hidden_draws


def rows(epochs, losses):
    return [{"epoch": e, "validation_loss": v} for e, v in zip(epochs, losses)]


def share_of_evaluations_caught(task_id, answer) -> float:
    """Over 200 seeded evaluations, the share in which the hidden cases alone catch `answer`."""
    task = get_task(task_id)
    return sum(any(caught(task, answer, case) for case in task.hidden_cases(random.Random(seed)))
               for seed in SEEDS) / len(SEEDS)


# ---- 05-best-epoch ------------------------------------------------------------------------------------

@pytest.mark.parametrize("history,expected", [
    (rows([1.0, 2.0, 3.0, 4.0], [0.72, 0.58, 0.89, 0.96]), 2.0),
    (rows([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], [0.9, 0.7, 0.62, 0.58, 0.66, 0.8]), 2.0),
    (rows([3.0, 4.0, 5.0, 6.0], [0.61, 0.55, 0.57, 0.7]), 4.0),
    (rows([3.0, 1.0, 4.0, 2.0], [0.89, 0.72, 0.96, 0.58]), 2.0),
    (rows([1.0, 2.0, 3.0], [0.3, 0.5, 0.6]), 1.0),
    (rows([1.0, 2.0, 3.0], [0.9, 0.5, 0.2]), 3.0),
    (rows([7.5], [1.2]), 7.5),
], ids=["overfits after 2", "half epochs", "resumed", "shuffled", "first is best", "last is best", "one row"])
def test_best_epoch_is_the_epoch_field_of_the_lowest_validation_loss(history, expected):
    assert lesson05.best_epoch(history) == expected


def test_best_epoch_ignores_the_train_loss_column():
    history = [dict(row, train_loss=loss) for row, loss in zip(rows([1.0, 2.0, 3.0], [0.5, 0.4, 0.6]), [0.9, 0.8, 0.1])]
    assert lesson05.best_epoch(history) == 2.0


def test_returning_the_position_is_told_to_read_the_epoch_field():
    message = feedback("05-best-epoch", lambda history: int(np.argmin([r["validation_loss"] for r in history])) + 1,
                       (rows([3.0, 4.0, 5.0, 6.0], [0.61, 0.55, 0.57, 0.7]),))
    assert "returned the row's position" in message


def test_best_hidden_cases_catch_position_train_loss_and_a_table_of_visible_answers():
    task = get_task("05-best-epoch")
    for case in hidden_draws("05-best-epoch"):
        for row in case.args[0]:
            assert set(row) == {"epoch", "validation_loss", "train_loss"}, row
            assert isinstance(row["train_loss"], float) and isinstance(row["validation_loss"], float)
    visible = {json.dumps(case.args[0]): task.reference(*case.args) for case in task.visible}

    def from_train_loss(history):
        return min(history, key=lambda row: row["train_loss"])["epoch"]

    def memorised(history):  # the visible answers, else the last epoch
        return visible.get(json.dumps(history), history[-1]["epoch"])

    position = task.misconceptions[0].answer
    for answer in (position, from_train_loss, memorised):
        assert share_of_evaluations_caught("05-best-epoch", answer) == 1.0, answer
    for seed in range(20):  # reading the wrong column is a wrong answer, not a crash
        cases = [(case, True) for case in task.hidden_cases(random.Random(seed))]
        result = judge(task, collect(task, cases, lambda case, hidden: invoke(from_train_loss, "args",
                                                                              json.loads(json.dumps(list(case.args))))))
        assert result["status"] == "failed", result


# ---- 05-overfitting-from ----------------------------------------------------------------------------------

@pytest.mark.parametrize("history,expected", [
    (rows([1.0, 2.0, 3.0, 4.0], [0.72, 0.58, 0.89, 0.96]), 3.0),
    (rows([1.0, 2.0], [0.7, 0.5]), None),
    (rows([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.8, 0.7, 0.74, 0.6, 0.66, 0.71]), 5.0),
    (rows([0.5, 1.0, 1.5, 2.0, 2.5], [0.9, 0.7, 0.65, 0.68, 0.75]), 2.0),
    (rows([1.0, 2.0, 3.0], [0.4, 0.5, 0.6]), 2.0),
    (rows([1.0, 2.0, 3.0], [0.9, 0.5, 0.6]), 3.0),
    (rows([2.0, 3.0, 4.0, 5.0, 6.0], [0.9, 0.8, 0.3, 0.6, 0.7]), 5.0),
    (rows([1.0], [0.5]), None),
], ids=["overfits after 2", "never", "blip then best", "half epochs", "first is best", "best is second to last",
        "best in the middle", "one row"])
def test_overfitting_starts_with_the_row_after_the_lowest_validation_loss(history, expected):
    assert lesson05.overfitting_from(history) == expected


def first_rise(history):
    for before, row in zip(history, history[1:]):
        if row["validation_loss"] > before["validation_loss"]:
            return row["epoch"]
    return None


@pytest.mark.parametrize("history", [
    rows([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.8, 0.7, 0.74, 0.6, 0.66, 0.71]),
    rows([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.8, 0.6, 0.6, 0.7, 0.5, 0.9]),  # a plateau is not a rise
], ids=["blip", "plateau then blip"])
def test_the_first_rise_is_told_it_can_be_a_blip(history):
    assert "can be a blip" in feedback("05-overfitting-from", first_rise, (history,))


def test_the_best_epoch_itself_is_told_overfitting_starts_after_it():
    best = lambda history: min(history, key=lambda row: row["validation_loss"])["epoch"]
    assert "the epoch after it" in feedback("05-overfitting-from", best,
                                            (rows([1.0, 2.0, 3.0, 4.0], [0.72, 0.58, 0.89, 0.96]),))


def test_overfit_hidden_cases_are_in_training_order():
    for case in hidden_draws("05-overfitting-from"):
        epochs = [row["epoch"] for row in case.args[0]]
        assert len(epochs) >= 2 and epochs == sorted(set(epochs)), epochs


def test_overfit_hidden_cases_catch_runs_that_never_overfit_and_guessing_none():
    # 12 hidden cases must catch both a learner who never answers None and one who always does
    def no_none(history):
        losses = [row["validation_loss"] for row in history]
        return history[min(losses.index(min(losses)) + 1, len(history) - 1)]["epoch"]

    assert share_of_evaluations_caught("05-overfitting-from", no_none) >= 0.95
    assert share_of_evaluations_caught("05-overfitting-from", lambda history: None) >= 0.95
    task = get_task("05-overfitting-from")
    for known in task.misconceptions:
        assert share_of_evaluations_caught("05-overfitting-from", known.answer) >= 0.95, known.message


# ---- 05-is-collapsed ----------------------------------------------------------------------------------

def collapsed_by_counting(predictions):
    """Independently, in whole numbers: the largest count is at least 19/20 of all."""
    return 20 * max(Counter(predictions).values()) >= 19 * len(predictions)


@pytest.mark.parametrize("predictions,expected", [
    ([1] * 98 + [0] * 2, True),
    ([1] * 60 + [0] * 40, False),
    ([2] * 97 + [0, 1, 0], True),
    ([0] * 50 + [2] * 50, False),
    ([0] * 19 + [1], True),
    ([1] * 92 + [0] * 8, False),
    ([3] * 20, True),
    ([0] * 57 + [1] * 3, True),
    ([4] * 133 + [0] * 7, True),
    ([0] * 189 + [1] * 11, False),
    ([0] * 18 + [2] * 2, False),
    ([0] * 95 + [1] * 2 + [2] * 2 + [3], True),
    ([5] * 39 + [0], True),
], ids=["98%", "60/40", "three classes 97%", "half and half", "exactly 95% of 20", "92%", "one class",
        "exactly 95% of 60", "exactly 95% of 140", "94.5%", "90%", "four classes", "class 5"])
def test_is_collapsed_when_one_class_has_at_least_95_percent(predictions, expected):
    assert lesson05.is_collapsed(predictions) is expected
    assert collapsed_by_counting(predictions) is expected


def test_is_collapsed_equals_whole_number_counting_on_hidden_cases():
    for case in hidden_draws("05-is-collapsed", 500):
        assert lesson05.is_collapsed(*case.args) == collapsed_by_counting(*case.args)


def mean_of_ids(predictions):  # right for classes 0 and 1 only
    return bool(max(np.mean(predictions), 1 - np.mean(predictions)) >= 0.95)


def share_of_class_one(predictions):  # right for classes 0 and 1 only
    ones = np.mean(predictions == 1)
    return bool(max(ones, 1 - ones) >= 0.95)


@pytest.mark.parametrize("answer,predictions,message", [
    (lambda p: bool(np.bincount(p).max() / len(p) > 0.95), [0] * 19 + [1], "the rule is at least 95%"),
    (lambda p: bool(np.bincount(p).max() / len(p) > 0.95), [2] * 57 + [1] * 3, "the rule is at least 95%"),
    (lambda p: bool(np.bincount(p).max() / len(p) >= 0.90), [0] * 18 + [2] * 2, "not 90%"),
    (lambda p: bool(np.bincount(p).max() / len(p) >= 0.90), [1] * 92 + [0] * 8, "not 90%"),
    (mean_of_ids, [1] * 50 + [2] * 50, "more than two classes"),
    (mean_of_ids, [0] * 96 + [3] * 4, "more than two classes"),
    (mean_of_ids, [1] * 17 + [2] + [0] * 2, "more than two classes"),
    (share_of_class_one, [0] * 80 + [2] * 20, "more than two classes"),
    (share_of_class_one, [0] * 60 + [2] * 36 + [1] * 4, "more than two classes"),
    (share_of_class_one, [0] * 15 + [2] * 4 + [1], "more than two classes"),
], ids=["strict at 95% of 20", "strict at 95% of 60", "90% at 90%", "90% at 92%", "mean: half 1 half 2",
        "mean: 96% class 0 with class 3", "mean of exactly 0.95", "class one: 80% class 0",
        "class one: a few ones", "class one: 5% ones"])
def test_is_collapsed_wrong_rules_get_their_feedback(answer, predictions, message):
    assert message in feedback("05-is-collapsed", answer, (predictions,))


def test_a_wrong_threshold_that_is_no_known_mistake_gets_no_targeted_feedback():
    message = feedback("05-is-collapsed", lambda p: bool(np.bincount(p).max() / len(p) >= 0.5),
                       ([1] * 80 + [0] * 20,))
    for known in get_task("05-is-collapsed").misconceptions:
        assert known.message not in message


def test_collapse_visible_cases_show_counts_per_class():
    case = lesson05._collapse_case([2] * 3 + [0] * 17, "mostly class 0")
    assert case == Case(([2] * 3 + [0] * 17,), "mostly class 0",
                        "predictions = np.array of 20 class ids: 17 x class 0, 3 x class 2")


def test_collapse_hidden_cases_draw_the_boundary_and_more_than_two_classes():
    kinds = set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # randint on floats warns on 3.11 and fails on 3.12
        draws = hidden_draws("05-is-collapsed")
    for case in draws:
        predictions = case.args[0]
        assert len(predictions) % 20 == 0, len(predictions)  # so that exactly 95% is a whole count
        counts = Counter(predictions)
        top, size = 20 * max(counts.values()), 19 * len(predictions)
        kinds.add("exactly 95%" if top == size else "above" if top > size else "below")
        kinds.add("more than two classes" if len(counts) > 2 else "at most two classes")
    assert kinds == {"exactly 95%", "above", "below", "more than two classes", "at most two classes"}


def test_collapse_hidden_cases_alone_catch_each_wrong_rule():
    task = get_task("05-is-collapsed")
    draws = hidden_draws("05-is-collapsed")
    for known in task.misconceptions:
        assert any(caught(task, known.answer, case) for case in draws), known.message
    for guess in (True, False):
        assert share_of_evaluations_caught("05-is-collapsed", lambda p: guess) >= 0.99
    # the exactly-95% case is drawn often enough that 12 hidden cases catch "above 95%" nearly always
    strict = task.misconceptions[0].answer
    assert share_of_evaluations_caught("05-is-collapsed", strict) >= 0.9
