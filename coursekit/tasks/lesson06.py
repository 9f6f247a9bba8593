"""Lesson 06's tasks: class weights from the training counts (class_weights), a stratified split that
keeps every class in both parts (stratified_split) and macro-F1 from a confusion matrix
(macro_f1_from_confusion). References, visible cases, hidden-case generators and known wrong answers."""

from __future__ import annotations

import math
import random
from collections import Counter

from .compare import Mismatch, close, close_list, show
from .registry import Case, Misconception, Task, register

# ---- task 1: class weights ----------------------------------------------------------------------------


def class_weights(splits, num_classes):
    """Inverse-frequency weights from the training split, normalised like scikit-learn's "balanced":
    n / (num_classes x count), so that their mean over the training examples is 1."""
    train = splits["train"]
    counts = Counter(train)
    return [len(train) / (num_classes * counts[c]) for c in range(num_classes)]


def _from_split(name):
    return lambda splits, num_classes: class_weights({"train": splits[name]}, num_classes)


def _from_all_splits(splits, num_classes):
    return class_weights({"train": [label for rows in splits.values() for label in rows]}, num_classes)


def _inverse_counts(splits, num_classes):
    counts = Counter(splits["train"])
    return [1 / counts[c] for c in range(num_classes)]


def _summing_to_one(splits, num_classes):
    weights = _inverse_counts(splits, num_classes)
    return [w / sum(weights) for w in weights]


def _mean_one_over_classes(splits, num_classes):
    weights = _inverse_counts(splits, num_classes)
    return [w * num_classes / sum(weights) for w in weights]


def _frequencies(splits, num_classes):
    counts = Counter(splits["train"])
    return [counts[c] / len(splits["train"]) for c in range(num_classes)]


def _labels(rng: random.Random, num_classes: int, size: int, rare: int) -> list[int]:
    """`size` class ids in which class `rare` is rare and every class occurs, shuffled."""
    shares = [rng.uniform(1, 6) for _ in range(num_classes)]
    shares[rare] = rng.uniform(0.05, 0.3)
    labels = list(range(num_classes)) + rng.choices(range(num_classes), weights=shares, k=size - num_classes)
    rng.shuffle(labels)
    return labels


def _hidden_weights(rng: random.Random) -> Case:
    num_classes = rng.randint(2, 6)
    rare = rng.randrange(num_classes)
    # the test split is drawn with other shares, so weights from it (or from all splits) differ
    splits = {"train": _labels(rng, num_classes, rng.randint(20, 120), rare),
              "validation": _labels(rng, num_classes, rng.randint(num_classes, 30), rng.randrange(num_classes)),
              "test": _labels(rng, num_classes, rng.randint(num_classes + 5, 40), rng.randrange(num_classes))}
    return Case((splits, num_classes))


_WEIGHT_SPLITS = {"train": [0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 1], "validation": [0, 1, 2, 0, 0],
                  "test": [2, 2, 0, 1, 2, 0, 2, 1]}

# ---- task 2: a stratified split ---------------------------------------------------------------------


class Split(list):
    """A split [train_rows, validation_rows] that also carries what the comparator checks a learner's split
    against: any split with the task's properties passes, whatever rows its seed drew. `check` names the
    property: "stratified" is the task's; the others name a known wrong answer, recognised by what it gets
    wrong (such a Split holds no rows)."""

    def __init__(self, parts, labels, share, check="stratified"):
        super().__init__(parts)
        self.labels, self.share, self.check = list(labels), share, check


def stratified_split(labels, validation_share, seed):
    """(train rows, validation rows): every class in both parts, and each class's validation count
    within 1 of validation_share x its count (a reference split; the grader accepts any such split)."""
    rng = random.Random(seed)
    rows_of: dict = {}
    for row, label in enumerate(labels):
        rows_of.setdefault(label, []).append(row)
    train, validation = [], []
    for rows in rows_of.values():
        rng.shuffle(rows)
        size = min(len(rows) - 1, max(1, round(validation_share * len(rows))))
        validation += rows[:size]
        train += rows[size:]
    return sorted(train), sorted(validation)


def _reference_split(labels, validation_share, seed):
    return Split(stratified_split(labels, validation_share, seed), labels, validation_share)


def _known_wrong(check):
    return lambda labels, validation_share, seed: Split([[], []], labels, validation_share, check)


def _parts(got, size: int):
    """(train rows, validation rows) as lists of ints, or a reason why `got` is not a split of `size` rows."""
    if not isinstance(got, list) or len(got) != 2 or not all(isinstance(part, list) for part in got):
        return "expected two lists of row numbers: (train_rows, validation_rows)"
    train, validation = got
    rows = train + validation
    if not all(isinstance(row, int) and not isinstance(row, bool) for row in rows):
        return "row numbers must be ints"
    if sorted(rows) != list(range(size)):
        missing = sorted(set(range(size)) - set(rows))
        repeated = sorted(row for row, count in Counter(rows).items() if count > 1)
        what = [f"missing rows {show(missing[:5])}" if missing else "",
                f"rows in both parts or twice {show(repeated[:5])}" if repeated else "",
                "rows outside 0..n-1" if set(rows) - set(range(size)) else ""]
        return "every row 0..n-1 must be in exactly one part: " + "; ".join(w for w in what if w)
    return train, validation


def _allowed(count: int, share: float) -> tuple[int, int]:
    """The validation rows a class of `count` rows may have: within 1 of share x count, and at least one
    row left in each part."""
    low = max(1, math.ceil(share * count - 1 - 1e-9))
    high = min(count - 1, math.floor(share * count + 1 + 1e-9))
    return low, max(low, high)


def _class_counts(labels, rows) -> Counter:
    return Counter(labels[row] for row in rows)


def split_matches(expected: Split, got) -> Mismatch | None:
    """Does `got` split expected.labels the way expected.check describes? (see Split)"""
    labels, share = expected.labels, expected.share
    totals = Counter(labels)
    allowed = {label: _allowed(count, share) for label, count in totals.items()}
    wanted = ("a split with, per class, validation rows in "
              + show({label: f"{low}-{high}" if low != high else low for label, (low, high) in allowed.items()}))
    parts = _parts(got, len(labels))
    if isinstance(parts, str):
        return Mismatch(wanted, show(got), parts)
    train, validation = parts
    in_validation, in_train = _class_counts(labels, validation), _class_counts(labels, train)
    got_text = f"validation rows per class {show(dict(in_validation))}"
    missing = [label for label in totals if not in_validation[label] or not in_train[label]]
    outside = [label for label in totals if not allowed[label][0] <= in_validation[label] <= allowed[label][1]]
    if expected.check == "stratified":
        if missing:
            return Mismatch(wanted, got_text, f"class {show(missing[0])} is missing from "
                                              f"{'validation' if not in_validation[missing[0]] else 'training'}")
        if outside:
            return Mismatch(wanted, got_text, f"class {show(outside[0])} has {in_validation[outside[0]]} of its "
                                              f"{totals[outside[0]]} rows in validation")
        return None
    matches = {"class-missing": bool(missing),
               "swapped": split_matches(Split([], labels, share), [validation, train]) is None,
               "not-stratified": not missing and bool(outside)}[expected.check]
    return None if matches else Mismatch(wanted, got_text)


def _hidden_split(rng: random.Random) -> Case:
    num_classes, share = rng.randint(3, 6), rng.choice([0.1, 0.15, 0.2])
    counts = [rng.randint(8, 40) for _ in range(num_classes)]
    for rare in rng.sample(range(num_classes), rng.randint(1, 2)):
        counts[rare] = rng.randint(2, int(0.49 / share))  # its share of rows rounds to 0: it needs the at-least-one rule
    names = rng.choice([list(range(num_classes)), ["earn", "acq", "crude", "trade", "ship", "grain"][:num_classes]])
    labels = [names[c] for c, count in enumerate(counts) for _ in range(count)]
    rng.shuffle(labels)
    return Case((labels, share, rng.randint(0, 999)))


def _split_case(counts: dict, share: float, label: str, order_seed: int) -> Case:
    labels = [name for name, count in counts.items() for _ in range(count)]
    random.Random(order_seed).shuffle(labels)
    shown = (f"labels = {len(labels)} labels, {', '.join(f'{count} x {name!r}' for name, count in counts.items())} "
             f"(shuffled), validation_share = {share}, seed = 0")
    return Case((labels, share, 0), label, shown)


# ---- task 3: macro-F1 from a confusion matrix ------------------------------------------------------------


def _per_class(matrix):
    size = len(matrix)
    for c in range(size):
        true_positives = matrix[c][c]
        yield (true_positives, sum(matrix[c]) - true_positives,  # tp, fn (the rest of the row)
               sum(matrix[r][c] for r in range(size)) - true_positives)  # fp (the rest of the column)


def macro_f1_from_confusion(matrix):
    """The mean over classes of F1 = 2 tp / (2 tp + fp + fn), 0 for a class with no true positive;
    rows are true classes, columns predicted ones (scikit-learn's confusion_matrix)."""
    f1s = [2 * tp / (2 * tp + fp + fn) if tp else 0.0 for tp, fn, fp in _per_class(matrix)]
    return sum(f1s) / len(f1s)


def _micro(matrix):
    return sum(matrix[c][c] for c in range(len(matrix))) / sum(map(sum, matrix))


def _weighted(matrix):
    f1s = [2 * tp / (2 * tp + fp + fn) if tp else 0.0 for tp, fn, fp in _per_class(matrix)]
    supports = [sum(row) for row in matrix]
    return sum(f * s for f, s in zip(f1s, supports)) / sum(supports)


def _mean_recall(matrix):
    return sum(tp / (tp + fn) for tp, fn, _ in _per_class(matrix)) / len(matrix)


def _mean_precision(matrix):
    return sum(tp / (tp + fp) if tp + fp else 0.0 for tp, _, fp in _per_class(matrix)) / len(matrix)


def _f1_of_means(matrix):
    precision, recall = _mean_precision(matrix), _mean_recall(matrix)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _predicted_classes_only(matrix):
    rows = [(tp, fn, fp) for tp, fn, fp in _per_class(matrix) if tp + fp]
    return sum(2 * tp / (2 * tp + fp + fn) if tp else 0.0 for tp, fn, fp in rows) / len(rows)


def _hidden_matrix(rng: random.Random) -> Case:
    size = rng.randint(2, 6)
    supports = [rng.randint(1, 60) for _ in range(size)]
    supports[rng.randrange(size)] = rng.randint(200, 600)  # one big class, as under imbalance
    never = rng.randrange(size) if size > 2 and rng.random() < 0.3 else None  # a class never predicted
    matrix = []
    for c, support in enumerate(supports):
        weights = [rng.uniform(0, 0.4) for _ in range(size)]
        weights[c] = rng.uniform(1, 6)
        if never is not None:
            weights[never] = 0.0
        row = [0] * size
        for predicted in rng.choices(range(size), weights=weights, k=support):
            row[predicted] += 1
        matrix.append(row)
    return Case((matrix,))


def _matrix_case(matrix: list, label: str) -> Case:
    return Case((matrix,), label, f"matrix = np.array({matrix})")


register(
    Task("06-class-weights", "Class weights from the training counts", "class_weights",
         ("splits", "num_classes"), "args", class_weights, close_list(1e-6),
         visible=(Case((_WEIGHT_SPLITS, 3), "three classes; the test split has other shares"),
                  Case(({"train": [1, 0, 1, 1, 0, 1], "validation": [0, 1], "test": [0, 0, 1]}, 2),
                       "two classes, 4 and 2 training rows"),
                  Case(({"train": [3, 0, 1, 2, 3, 3, 0, 3, 1, 3, 3, 3], "validation": [0, 1, 2, 3],
                         "test": [0, 1, 2, 3, 2, 2]}, 4), "four classes, one with a single training row")),
         hidden=_hidden_weights,
         nudge="Count each class in the training split only; a rare class gets a large weight, a common one a "
               "small weight.",
         hint="Weight of class c = (number of training labels) / (num_classes x count of c in training), as "
              "scikit-learn's class_weight='balanced' computes it: its mean over the training examples is 1. "
              "Return one weight per class id, 0 to num_classes - 1.",
         misconceptions=(Misconception(_from_split("test"), "Those are weights from the test split: the weights "
                                       "are part of training, so they come from the training split only (the "
                                       "test split measures the model and must not shape it)."),
                         Misconception(_from_split("validation"), "Those are weights from the validation split: "
                                       "take them from the training split."),
                         Misconception(_from_all_splits, "Those weights count every split: take them from the "
                                       "training split only, or validation and test labels leak into training."),
                         Misconception(_inverse_counts, "1 / count is the right shape but not normalised: multiply "
                                       "by n / num_classes, so that the average weight over the training examples is 1."),
                         Misconception(_summing_to_one, "Those weights sum to 1: normalise them the 'balanced' way "
                                       "instead, n / (num_classes x count), so that the loss keeps its usual scale."),
                         Misconception(_mean_one_over_classes, "Those weights average 1 over the classes; the "
                                       "'balanced' weights average 1 over the training examples: n / (num_classes x count)."),
                         Misconception(_frequencies, "Those are the class frequencies: the weights are their "
                                       "inverse, so that rare classes weigh more."))),
    Task("06-stratified-split", "A stratified split that keeps every class in both parts", "stratified_split",
         ("labels", "validation_share", "seed"), "args", _reference_split, split_matches,
         visible=(_split_case({"acq": 10, "earn": 20, "crude": 10}, 0.2, "three classes, 20% for validation", 1),
                  _split_case({"earn": 40, "acq": 20, "grain": 3}, 0.15,
                              "a rare class whose 15% share rounds to 0 rows", 2),
                  _split_case({0: 12, 1: 2, 2: 25, 3: 6}, 0.25, "class ids, one class with two rows", 3)),
         hidden=_hidden_split,
         nudge="Split each class on its own: put about validation_share of its rows into validation, at least "
               "one, and keep at least one for training.",
         hint="Group the row numbers by label; for each class take max(1, round(share x count)) of its rows "
              "(but never all of them) for validation, the rest for training. Return (train_rows, validation_rows).",
         misconceptions=(Misconception(_known_wrong("swapped"),
                                       "The two parts are the wrong way round: return (train_rows, validation_rows)."),
                         Misconception(_known_wrong("class-missing"),
                                       "A class is missing from one part. A plain random split, or a stratified one that "
                                       "rounds a rare class's share down to 0 rows (scikit-learn's train_test_split("
                                       "stratify=...) can), leaves a rare class out of validation: give every class at "
                                       "least one row in each part."),
                         Misconception(_known_wrong("not-stratified"),
                                       "Every class is present, but not in its share: split each class on its own, "
                                       "about validation_share of its rows into validation."))),
    Task("06-macro-f1", "Macro-F1 from a confusion matrix", "macro_f1_from_confusion", ("matrix",), "ndarray",
         macro_f1_from_confusion, close(1e-6),
         visible=(_matrix_case([[50, 2, 3], [4, 6, 0], [1, 1, 3]], "three classes, rows are true classes"),
                  _matrix_case([[90, 0], [10, 0]], "a model that always answers class 0"),
                  _matrix_case([[40, 5, 5, 0], [2, 8, 0, 0], [3, 0, 7, 0], [1, 1, 0, 1]],
                               "four classes, the last one rare")),
         hidden=_hidden_matrix,
         nudge="Compute an F1 for each class from its row (true class) and its column (predicted class), then "
               "average the classes with equal weight.",
         hint="For class c: tp = matrix[c][c], fn = the rest of row c, fp = the rest of column c, "
              "F1 = 2 tp / (2 tp + fp + fn) (0 when tp is 0). Macro-F1 is the plain mean over all classes.",
         misconceptions=(Misconception(_micro, "That is micro-F1 (average='micro'): it pools all documents, so for one "
                                       "label per document it equals accuracy, and a majority-class model scores "
                                       "high on it. Macro-F1 averages the classes' own F1s."),
                         Misconception(_weighted, "That is the weighted average (average='weighted'): it weighs each "
                                       "class by its number of documents. Macro-F1 gives every class the same weight."),
                         Misconception(_mean_recall, "That is the mean recall (balanced accuracy): macro-F1 averages "
                                       "F1s, which combine each class's recall with its precision."),
                         Misconception(_mean_precision, "That is the mean precision: macro-F1 averages F1s, which "
                                       "combine each class's precision with its recall."),
                         Misconception(_f1_of_means, "That is the F1 of the mean precision and mean recall; "
                                       "macro-F1 is the mean of the classes' own F1s."),
                         Misconception(_predicted_classes_only, "A class the model never predicts still counts, "
                                       "with F1 0: average over all classes, not only the predicted ones."))),
)
