"""Lesson 05's tasks: read a training history (best_epoch, overfitting_from) and spot collapse
(is_collapsed). References, visible cases, hidden-case generators and known wrong answers."""

from __future__ import annotations

import random
from collections import Counter

from .compare import boolean, exact
from .registry import Case, Misconception, Task, register


def _rows(epochs, losses) -> list[dict]:
    return [{"epoch": epoch, "validation_loss": loss} for epoch, loss in zip(epochs, losses)]


# ---- references (run in the grader's process only) -------------------------------------------------

def best_epoch(rows):
    """The epoch of the row with the lowest validation loss."""
    return min(rows, key=lambda row: row["validation_loss"])["epoch"]


def overfitting_from(rows):
    """The epoch after the best one (rows in training order), or None when the best is the last."""
    losses = [row["validation_loss"] for row in rows]
    best = losses.index(min(losses))
    return rows[best + 1]["epoch"] if best + 1 < len(rows) else None


def is_collapsed(predictions):
    """Whether one class, any class, has at least 95% of the predictions."""
    return max(Counter(predictions).values()) / len(predictions) >= 0.95


# ---- known wrong answers -----------------------------------------------------------------------------

def _position_plus_one(rows):
    losses = [row["validation_loss"] for row in rows]
    return losses.index(min(losses)) + 1


def _first_rise(rows):
    for before, row in zip(rows, rows[1:]):
        if row["validation_loss"] > before["validation_loss"]:
            return row["epoch"]
    return None


def _share(predictions, threshold, strict=False):
    top = max(Counter(predictions).values()) / len(predictions)
    return top > threshold if strict else top >= threshold


def _two_classes(predictions):
    mean = sum(predictions) / len(predictions)
    return max(mean, 1 - mean) >= 0.95


def _class_one(predictions):
    ones = sum(1 for p in predictions if p == 1) / len(predictions)
    return max(ones, 1 - ones) >= 0.95


# ---- hidden cases ----------------------------------------------------------------------------------------

def _history(rng: random.Random) -> list[dict]:
    count = rng.randint(3, 9)
    start, step = rng.choice([0.5, 1.0, 2.0, 3.0]), rng.choice([0.5, 1.0])
    losses = [value / 1000 for value in rng.sample(range(150, 1400), count)]
    rows = _rows([start + i * step for i in range(count)], losses)
    for row in rows:
        row["train_loss"] = round(rng.uniform(0.05, 1.2), 4)
    return rows


def _hidden_best(rng: random.Random) -> Case:
    rows = _history(rng)
    if rng.random() < 0.5:
        rng.shuffle(rows)
    return Case((rows,))


def _hidden_overfit(rng: random.Random) -> Case:
    rows = _history(rng)
    if rng.random() < 0.3:  # a run that never overfits: the last epoch is the best
        losses = sorted((row["validation_loss"] for row in rows), reverse=True)
        for row, loss in zip(rows, losses):
            row["validation_loss"] = loss
    return Case((rows,))


def _hidden_collapse(rng: random.Random) -> Case:
    size = rng.choice([20, 40, 60, 100, 140, 200])
    classes = rng.randint(2, 6)
    top = rng.randrange(classes)
    kind = rng.choice(["exactly 95%", "above", "below", "below"])
    share = {"exactly 95%": 19 * size // 20, "above": rng.randint(19 * size // 20 + 1, size),
             "below": rng.randint(size // 2, 19 * size // 20 - 1)}[kind]
    others = [c for c in range(classes) if c != top]
    predictions = [top] * share + [rng.choice(others) for _ in range(size - share)]
    rng.shuffle(predictions)
    return Case((predictions,))


def _counts(predictions: list) -> str:
    parts = [f"{count} x class {label}" for label, count in sorted(Counter(predictions).items())]
    return f"predictions = np.array of {len(predictions)} class ids: {', '.join(parts)}"


def _collapse_case(predictions: list, label: str) -> Case:
    return Case((predictions,), label, _counts(predictions))


_ROWS = _rows([1.0, 2.0, 3.0, 4.0], [0.72, 0.58, 0.89, 0.96])

register(
    Task("05-best-epoch", "The epoch early stopping would keep", "best_epoch", ("rows",), "args",
         best_epoch, exact,
         visible=(Case((_ROWS,), "a run that overfits after epoch 2"),
                  Case((_rows([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], [0.9, 0.7, 0.62, 0.58, 0.66, 0.8]),),
                       "evaluated every half epoch"),
                  Case((_rows([3.0, 4.0, 5.0, 6.0], [0.61, 0.55, 0.57, 0.7]),), "a run resumed at epoch 3"),
                  Case((_rows([3.0, 1.0, 4.0, 2.0], [0.89, 0.72, 0.96, 0.58]),), "rows not in epoch order")),
         hidden=_hidden_best, hidden_count=12,  # the last epoch is the best in 1 draw in 5: guessing it passes
         # 12 hidden cases about 1 time in 400 million (5 cases: 1 in 4,000)
         nudge="Early stopping keeps the evaluation with the lowest validation loss: the answer is the "
               "\"epoch\" value of that row.",
         hint="Epochs can be fractions (0.5, 1.0, ...) or start above 1, and the rows can come in any "
              "order, so neither a row's position nor its rank is its epoch.",
         misconceptions=(Misconception(_position_plus_one, "It looks like you returned the row's position "
                                       "(counting from 1), not the row's \"epoch\" value."),)),
    Task("05-overfitting-from", "From which epoch does a run overfit?", "overfitting_from", ("rows",), "args",
         overfitting_from, exact,
         visible=(Case((_ROWS,), "the validation loss is lowest at epoch 2"),
                  Case((_rows([1.0, 2.0], [0.7, 0.5]),), "a run that never overfits"),
                  Case((_rows([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.8, 0.7, 0.74, 0.6, 0.66, 0.71]),),
                       "a small rise at epoch 3, then the best epoch 4"),
                  Case((_rows([0.5, 1.0, 1.5, 2.0, 2.5], [0.9, 0.7, 0.65, 0.68, 0.75]),),
                       "evaluated every half epoch")),
         hidden=_hidden_overfit, hidden_count=12,  # None is right in 44% of the draws: guessing it passes 12
         # hidden cases 1 time in 20,000 (5 cases: 1 in 60)
         nudge="Overfitting starts right after the best epoch of the whole run, not at the first rise.",
         hint="The rows are in training order: find the row with the lowest validation loss over all rows; "
              "the answer is the epoch of the next row, or None when there is no next row.",
         misconceptions=(Misconception(_first_rise, "The first rise of the validation loss can be a blip: "
                                       "the run is overfitting only after its lowest validation loss."),
                         Misconception(best_epoch, "That is the best epoch itself; overfitting starts with "
                                       "the epoch after it."))),
    Task("05-is-collapsed", "Detect collapse to one class", "is_collapsed", ("predictions",), "ndarray",
         is_collapsed, boolean,
         visible=(_collapse_case([1] * 98 + [0, 0], "98% of the predictions are class 1"),
                  _collapse_case([1] * 60 + [0] * 40, "a healthy 60/40 split"),
                  _collapse_case([2] * 97 + [0, 1, 0], "three classes, 97% class 2"),
                  _collapse_case([0] * 50 + [2] * 50, "three class ids, half class 0, half class 2"),
                  _collapse_case([0] * 19 + [1], "exactly 95% class 0"),
                  _collapse_case([1] * 92 + [0] * 8, "92% class 1")),
         hidden=_hidden_collapse, hidden_count=12,  # True or False: a guess passes 5 hidden cases 1 time in 32
         nudge="Collapse means that one class, whichever it is, takes at least 95% of the predictions.",
         hint="Count each class id (there may be more than two classes), divide the largest count by the "
              "number of predictions, and compare with 0.95 so that exactly 95% counts as collapsed.",
         misconceptions=(Misconception(lambda p: _share(p, 0.95, strict=True),
                                       "Exactly 95% counts as collapsed: the rule is at least 95%."),
                         Misconception(lambda p: _share(p, 0.90), "The threshold is 95%, not 90%."),
                         Misconception(_two_classes, "There can be more than two classes: use the share of "
                                       "the most frequent class, whatever its id."),
                         Misconception(_class_one, "There can be more than two classes: use the share of "
                                       "the most frequent class, whatever its id."))),
)
