"""Names what went wrong in a training run, with the evidence, the noise it was judged against, and what to try.

`diagnose(history, predictions=None, labels=None)` reads the per-evaluation rows and logged training losses
that HistoryCallback records (or the same data as plain dicts, e.g. a model card's results table) and
returns a list of Findings; a healthy run gives none. For any number of classes:

* unstable loss: NaN, or logged losses that jump far above the starting loss;
* collapse to one class: at least 95% of the predictions are one class, whichever it is, on a set that is
  not itself 95% one class (from the predictions' histogram; for two classes, from accuracy, precision and
  recall, which together give the share of each predicted class; else from accuracy, macro precision and
  macro recall); "temporary collapse" when the run left it;
* underfitting: the validation loss stays near chance, ln K for K classes, at every evaluation, or the
  final training loss does;
* overfitting: held-out predictions get worse (the task metric falls beyond noise) while the training
  loss falls;
* over-confidence: the validation loss rises beyond noise while the metric rises or holds: the model grows
  more confident, including on its mistakes, and is not yet worse; what you ship is judged by the metric;
* validation loss rises: a rise the history cannot attribute (no metric logged, or no evaluation-set size
  to judge noise by); the finding says what would tell.

Noise: a change between two evaluations counts only beyond a threshold derived from the evaluation set's
size n, stated in the finding: two standard errors of a score m on n examples, 2 * sqrt(m (1 - m) / n), for
a metric, and 2 / sqrt(n) of the loss for the validation loss (per-example losses spread about as widely as
their mean, so their mean over n examples varies by about 1/sqrt(n) of itself). Both are rough yardsticks
for differences on the same examples; they keep one-example wobbles from being read as trends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NOISE_Z = 2.0  # standard errors a change must exceed to count
COLLAPSE_SHARE = 0.95  # this share of predictions in one class counts as collapse
UNDERFIT_BAND = 0.10  # a validation loss within 10% of ln K counts as "near chance"
UNDERFIT_SHARE = 0.85  # a final training loss at this share of ln K or above counts as not learning
SPIKE_FACTOR = 1.5  # a logged loss above this many times the starting loss counts as a spike
UNKNOWN_SIZE = 10_000  # without n, a change is reported only if it would be beyond noise on this many examples
# The metric judged by default, first found first. With two classes "f1" is the positive class's, which a
# model answering "positive" for everything scores well on, so accuracy comes before it.
TASK_METRICS_BINARY = ("macro_f1", "accuracy", "f1", "exact_match")
TASK_METRICS = ("macro_f1", "f1", "exact_match", "accuracy")


@dataclass
class Finding:
    """One named problem: `name`, the `evidence` for it, what to `try_next`, and from which epoch."""

    name: str
    evidence: str
    try_next: str
    epoch: float | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.evidence}\n  try: {self.try_next}"


# ---- reading a history ---------------------------------------------------------------------------------

def _rows_and_losses(history) -> tuple[list[dict], list[float]]:
    if hasattr(history, "rows"):
        return list(history.rows), [entry["loss"] for entry in history.train_losses]
    if isinstance(history, dict):
        return list(history.get("rows", [])), [e["loss"] for e in history.get("train_losses", [])]
    return list(history), []


def _task_metric(rows: list[dict], metric: str | None, num_classes: int) -> str | None:
    if metric != "auto":
        return metric if metric and rows and metric in rows[0] else None
    order = TASK_METRICS_BINARY if num_classes == 2 else TASK_METRICS
    return next((name for name in order if rows and name in rows[0]), None)


def _epoch(rows: list[dict], i: int) -> str:
    """How a row's epoch reads; Keras numbers epochs from 0, so its "epoch 1" is the second one."""
    value = rows[i]["epoch"]
    if rows[0]["epoch"] == 0:
        ordinal = int(value) + 1
        suffix = "th" if ordinal % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(ordinal % 10, "th")
        return f"the {ordinal}{suffix} epoch [epoch {value:g} counted from 0]"
    return f"epoch {value:g}"


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


# ---- noise -----------------------------------------------------------------------------------------------

def metric_noise(level: float, size: int, scale: float = 1.0) -> float:
    """The change in a score below which it counts as noise: two standard errors of a score `level` on `size`
    examples. scale: 1 for scores in [0, 1], 100 for percentages (SQuAD's exact match and F1)."""
    share = min(max(level / scale, 0.0), 1.0)
    return NOISE_Z * math.sqrt(share * (1 - share) / size) * scale


def loss_noise(size: int) -> float:
    """The relative change in a mean loss over `size` examples below which it counts as noise."""
    return NOISE_Z / math.sqrt(size)


def _size_needed_for_loss(rise: float) -> int:
    return math.ceil((NOISE_Z / rise) ** 2)


def _size_needed_for_metric(level: float, change: float, scale: float) -> int:
    # metric_noise falls as 1 / sqrt(size): the size at which it equals the change
    return math.ceil((metric_noise(level, 1, scale) / change) ** 2)


# ---- collapse ----------------------------------------------------------------------------------------------

def binary_confusion(accuracy: float, precision: float, recall: float,
                     positive_share: float | None = None) -> dict[str, float] | None:
    """The confusion matrix, as shares of the evaluation set, that two-class scores imply.

    accuracy, precision, recall: the scores of the positive class 1, as a results table prints them.
    positive_share: the share of class 1 among the true labels, when known; without it, it is solved for.
    Returns {"tp", "fp", "fn", "tn"} summing to 1, or None when the scores cannot fix it (no true positive
    and no positive_share: precision is then 0/0, which scikit-learn reports as 0).
    """
    if precision > 0 and recall > 0:
        if positive_share is None:
            # accuracy = 1 - share - predicted + 2 tp, with tp = recall * share and predicted = tp / precision
            denominator = 1 + recall / precision - 2 * recall
            if denominator <= 0 or accuracy >= 1:  # denominator >= 1 - recall: 0 only when both are 1
                return None  # a perfect classifier: any share fits
            positive_share = (1 - accuracy) / denominator
        tp = recall * positive_share
        fp = tp / precision - tp
        fn = positive_share - tp
        tn = 1 - positive_share - fp
    else:
        if positive_share is None:
            return None
        tp, fn, tn = 0.0, positive_share, accuracy
        fp = 1 - positive_share - accuracy
    shares = {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    if min(shares.values()) < -0.01:
        return None  # scores that do not come from one confusion matrix
    return {key: max(value, 0.0) for key, value in shares.items()}


def _collapsed_to(row: dict, num_classes: int, label_shares) -> tuple[int | None, str] | None:
    """(class, how it shows) when the row's scores mean collapse onto one class; None otherwise."""
    if num_classes == 2 and all(_finite(row.get(key)) for key in ("accuracy", "precision", "recall")):
        confusion = binary_confusion(row["accuracy"], row["precision"], row["recall"],
                                     None if label_shares is None else float(label_shares[1]))
        if confusion is None:
            return None
        predicted_positive = confusion["tp"] + confusion["fp"]
        top = 1 if predicted_positive >= 0.5 else 0
        share = round(max(predicted_positive, 1 - predicted_positive), 6)  # tables round scores to 4 decimals
        if label_shares is None:
            label_shares = (confusion["tn"] + confusion["fp"], confusion["tp"] + confusion["fn"])
        # a set that is itself one class shows no collapse; this also keeps a near-perfect classifier's rounded
        # scores (accuracy 0.9999, precision 0.9999, recall 1), which solve to such a set, from reading as one
        if share < COLLAPSE_SHARE or label_shares[top] >= COLLAPSE_SHARE:
            return None
        scores = f"accuracy {row['accuracy']:.3f}, precision {row['precision']:.3f} and recall {row['recall']:.3f}"
        return top, f"{scores} mean that {share:.1%} of the predictions are class {top}"
    keys = ("accuracy", "macro_precision", "macro_recall")
    if all(_finite(row.get(key)) for key in keys):
        # one class for everything: its recall is 1 and the others' 0, and only its precision (its share) counts
        tolerance = 1 - COLLAPSE_SHARE
        if (abs(num_classes * row["macro_recall"] - 1) <= tolerance
                and abs(num_classes * row["macro_precision"] - row["accuracy"]) <= tolerance):
            top = None if label_shares is None else int(np.argmin(np.abs(np.asarray(label_shares) - row["accuracy"])))
            scores = (f"macro recall {row['macro_recall']:.3f} (1/{num_classes}) and macro precision "
                      f"{row['macro_precision']:.3f} (accuracy {row['accuracy']:.3f} / {num_classes})")
            return top, f"{scores} mean one class for (nearly) everything"
    return None


def _class_name(top: int | None, num_classes: int) -> str:
    if top is None:
        return "one class"
    return f"class {top}" + (" (the positive class)" if num_classes == 2 and top == 1 else "")


def _collapse(rows, predictions, num_classes, label_shares, underfit: bool) -> Finding | None:
    advice = ("a lower learning rate with warmup (warmup_steps=0.1), a batch of 16 or 32, other seeds; a model "
              "that has not learned yet also answers one class, so also more steps; check that the labels are "
              "correctly encoded.")
    if predictions is not None:
        counts = np.bincount(np.asarray(predictions).astype(int).ravel(), minlength=num_classes)
        top = int(np.argmax(counts))
        share = counts[top] / counts.sum()
        if share >= COLLAPSE_SHARE and (label_shares is None or label_shares[top] < COLLAPSE_SHARE):
            return Finding("collapse to one class",
                           f"{share:.0%} of the predictions are class {top} (histogram: {counts.tolist()}).", advice)
    collapsed = [(i, found) for i, row in enumerate(rows)
                 if (found := _collapsed_to(row, num_classes, label_shares)) is not None]
    if not collapsed:
        return None
    epochs = ("epoch " if len(collapsed) == 1 else "epochs ") + ", ".join(f"{rows[i]['epoch']:g}" for i, _ in collapsed)
    last, (top, how) = collapsed[-1]
    if last == len(rows) - 1:
        if predictions is not None:
            return None  # the predictions (of the weights kept) are not collapsed: they decide
        return Finding("collapse to one class",
                       f"at {_epoch(rows, last)}, {how}: the classifier answers {_class_name(top, num_classes)} "
                       f"whatever the input (collapsed at {epochs}).", advice, rows[last]["epoch"])
    return _temporary_collapse(rows, collapsed, epochs, _class_name(top, num_classes), underfit)


def _temporary_collapse(rows, collapsed, epochs, guess, underfit: bool) -> Finding:
    recovered = collapsed[-1][0] + 1  # the first row after the last collapsed one
    stop, kept = early_stopping_outcome(rows, patience=1)
    if underfit:
        left = ("then its predictions spread again, but it never learned to separate the classes (see "
                "underfitting): leaving a collapse is not learning.")
        advice = ("a lower learning rate with warmup (warmup_steps=0.1), a batch of 16 or 32, other seeds: a "
                  "run that stays at chance and flips to one class may be taking steps too rough for it.")
    else:
        left = (f"then left the collapse ({_epoch(rows, recovered)}): a model that separates the classes little "
                "or not yet can drift to one class and back.")
        advice = ("give such a run more steps before judging it, use early stopping with a larger patience "
                  "(2-3), and compare seeds: on small data, one seed can collapse where another does not.")
    lost = ""
    if stop < recovered:
        lost = (f" Early stopping on the validation loss with patience 1 would have stopped after "
                f"{_epoch(rows, stop)} and kept {_epoch(rows, kept)}.")
    return Finding("temporary collapse", f"at {epochs} the classifier answered {guess} for everything; {left}{lost}",
                   advice, rows[collapsed[0][0]]["epoch"])


def early_stopping_outcome(rows: list[dict], patience: int = 1, key: str = "validation_loss",
                           greater_is_better: bool = False) -> tuple[int, int]:
    """(stop, kept): the indices of the row after which EarlyStoppingCallback stops, and of the row it keeps.

    rows: per-evaluation rows in order. patience: evaluations without improvement before stopping.
    key: the row's value compared, e.g. "validation_loss" or "f1"; greater_is_better: its direction.
    """
    best, waited = 0, 0
    for i in range(1, len(rows)):
        better = rows[i][key] > rows[best][key] if greater_is_better else rows[i][key] < rows[best][key]
        if better:
            best, waited = i, 0
        else:
            waited += 1
            if waited >= patience:
                return i, best
    return len(rows) - 1, best


# ---- underfitting ------------------------------------------------------------------------------------------

def _underfitting(rows: list[dict], losses: list[float], num_classes: int, metric: str | None) -> Finding | None:
    chance = math.log(num_classes)
    validation = [row["validation_loss"] for row in rows if _finite(row.get("validation_loss"))]
    near_chance = bool(validation) and all(abs(v - chance) <= UNDERFIT_BAND * chance for v in validation)
    final = losses[-1] if losses else (rows[-1].get("train_loss") if rows else None)
    train_near = _finite(final) and final >= UNDERFIT_SHARE * chance
    if not (near_chance or train_near):
        return None
    parts = []
    if near_chance:
        span = (f"{validation[0]:.4g}" if len(validation) == 1 else
                f"between {min(validation):.4g} and {max(validation):.4g} at all {len(validation)} evaluations")
        parts.append(f"the validation loss stayed {span}, within {UNDERFIT_BAND:.0%} of {chance:.3f} = ln "
                     f"{num_classes}, the loss of guessing among {num_classes} classes")
    if _finite(final):
        parts.append(f"the final training loss is {final:.3f}"
                     + (f", still close to {chance:.3f}" if train_near else
                        ": it fits its training examples, but nothing that carries over to new ones"))
    if metric:
        best = max(row[metric] for row in rows)
        parts.append(f"the best {metric} is {best:.4g}")
    return Finding(
        "underfitting",
        "; ".join(parts) + ": the model has not learned to separate the classes.",
        "if the loss fell slowly, more steps (epochs or data) or a higher learning rate; if it stayed flat or "
        "jumped about at chance, steps too rough for the model: a lower learning rate with warmup, a larger batch, "
        "other seeds; check that the labels are right (random labels never get below chance).",
    )


# ---- the validation loss rises: overfitting, over-confidence, or cannot tell ---------------------------------

def _rising(rows: list[dict], metric: str | None, size: int | None) -> Finding | None:
    val = [row["validation_loss"] for row in rows]
    if len(val) < 2:
        return None
    train = [row.get("train_loss") for row in rows]
    scores = [row[metric] for row in rows] if metric else None
    percent = bool(scores) and max(scores) > 1  # SQuAD's exact match and F1 are percentages
    scale = 100.0 if percent else 1.0
    fmt = (lambda v: f"{v:.1f}") if percent else (lambda v: f"{v:.3f}")
    last = len(val) - 1

    def training_fell(since: int) -> bool:  # unknown counts as fallen; both rising is instability, not memorisation
        return not (_finite(train[last]) and _finite(train[since])) or train[last] < train[since]

    def train_part(since: int) -> str:
        if _finite(train[last]) and _finite(train[since]):
            return f" while the training loss fell from {train[since]:.4g} to {train[last]:.4g}"
        return ""

    loss_best = int(np.argmin(val))
    rise = val[last] / val[loss_best] - 1
    rise_part = (f"validation loss rose from {val[loss_best]:.4g} ({_epoch(rows, loss_best)}, its lowest) to "
                 f"{val[last]:.4g} ({_epoch(rows, last)}, +{rise:.1%})")
    choose = (f"keep the checkpoint by the metric: metric_for_best_model='{metric}' with load_best_model_at_end=True"
              if metric else "log a task metric every epoch (compute_metrics) and keep the checkpoint by it")

    if size is None:
        if loss_best == last or rise <= loss_noise(UNKNOWN_SIZE) or not training_fell(loss_best):
            return None
        evidence = (f"{rise_part}{train_part(loss_best)}. That rise is beyond noise only on a validation set of at "
                    f"least {_size_needed_for_loss(rise):,} examples, and this history does not say how many it had")
        if metric:
            change = scores[last] - scores[loss_best]
            if change:
                needed = _size_needed_for_metric(scores[loss_best], change, scale)
                reading = "over-confidence" if change > 0 else "overfitting"
                evidence += (f"; {metric} went from {fmt(scores[loss_best])} to {fmt(scores[last])}, a change beyond "
                             f"noise only on at least {needed:,} examples (then: {reading}).")
            else:
                evidence += f"; {metric} stayed at {fmt(scores[last])} (if the rise is real: over-confidence)."
        else:
            evidence += (". Without a metric it cannot tell overfitting (held-out predictions get worse) from "
                         "over-confidence (as many right, more confident on the wrong ones).")
        return Finding("validation loss rises", evidence,
                       f"pass eval_size= (or labels=) to judge the noise; {choose}.", rows[loss_best + 1]["epoch"])

    if metric:
        metric_best = int(np.argmax(scores))  # the first best, as Trainer keeps it
        drop = scores[metric_best] - scores[last]
        noise = metric_noise(scores[metric_best], size, scale)
        if drop > noise and val[last] > val[metric_best]:  # drop > 0: the best is before the last
            if not training_fell(metric_best):
                return None
            return Finding(
                "overfitting",
                f"{metric} fell from {fmt(scores[metric_best])} ({_epoch(rows, metric_best)}, its best) to "
                f"{fmt(scores[last])} ({_epoch(rows, last)}), by more than the noise of {fmt(noise)} on {size:,} "
                f"examples, and the validation loss rose from {val[metric_best]:.4g} to {val[last]:.4g}"
                f"{train_part(metric_best)}: held-out predictions got worse while the model fitted its training set.",
                f"{choose} (it keeps {_epoch(rows, metric_best)}); fewer epochs or a lower learning rate; "
                "weight_decay; more dropout; freezing the lower layers; more training data.",
                rows[metric_best + 1]["epoch"],
            )
    threshold = loss_noise(size)
    if loss_best == last or rise <= threshold or not training_fell(loss_best):
        return None
    rise_part += f", beyond the noise of {threshold:.1%} on {size:,} examples{train_part(loss_best)}"
    if not metric:
        return Finding(
            "validation loss rises",
            f"{rise_part}. Without a metric this history cannot tell overfitting (held-out predictions get worse) "
            "from over-confidence (as many right, more confident on the wrong ones).",
            f"{choose}; until then early stopping on the loss keeps {_epoch(rows, loss_best)}.",
            rows[loss_best + 1]["epoch"],
        )
    change = scores[last] - scores[loss_best]
    noise = metric_noise(scores[loss_best], size, scale)
    if change < -noise:  # worse than at the lowest loss, though not measured from the metric's own best epoch
        return Finding(
            "overfitting",
            f"{rise_part}; {metric} fell from {fmt(scores[loss_best])} ({_epoch(rows, loss_best)}) to "
            f"{fmt(scores[last])}, by more than the noise of {fmt(noise)}: held-out predictions got worse while the "
            "model fitted its training set.",
            f"{choose}; fewer epochs or a lower learning rate; weight_decay; more dropout; freezing the lower "
            "layers; more training data.",
            rows[loss_best + 1]["epoch"],
        )
    held = (f"rose from {fmt(scores[loss_best])} to {fmt(scores[last])}, beyond the noise of {fmt(noise)}"
            if change > noise else
            f"went from {fmt(scores[loss_best])} to {fmt(scores[last])}, within the noise of {fmt(noise)}")
    return Finding(
        "over-confidence",
        f"{rise_part}; {metric} {held}: the model grows more confident, on its mistakes too, but its "
        "held-out predictions are not worse. What you ship is judged by the metric on held-out data.",
        f"{choose} (early stopping on eval_loss would keep {_epoch(rows, loss_best)}); judge the kept model on a "
        "test set.",
        rows[loss_best + 1]["epoch"],
    )


# ---- unstable loss -----------------------------------------------------------------------------------------

def _unstable(losses: list[float], rows: list[dict]) -> Finding | None:
    # logged losses first; else a table's per-epoch training losses, where one was logged (HistoryCallback
    # writes NaN for an epoch without a logging step: that is no evidence of instability)
    values = losses or [row["train_loss"] for row in rows if _finite(row.get("train_loss"))]
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        return Finding("unstable loss", f"{len(bad)} logged losses are NaN or infinite.",
                       "a lower learning rate, warmup, max_grad_norm=1.0; with fp16, try fp32 to "
                       "rule out overflow.")
    if len(values) < 4:
        return None
    # Compare with the starting loss, not the run's median: a run that fits well ends near 0, and
    # its ordinary early noise would then look like spikes.
    start = float(np.median(values[:3]))
    spikes = [i for i, v in enumerate(values) if i >= 3 and v > SPIKE_FACTOR * start]  # the first 3 set the start
    if spikes:
        return Finding(
            "unstable loss",
            f"{len(spikes)} logged training losses jump above {SPIKE_FACTOR:g}x the starting loss "
            f"({start:.3f}), e.g. {values[spikes[0]]:.3f} at log {spikes[0]}: steps overshoot.",
            "a lower learning rate, a longer warmup, gradient clipping (max_grad_norm=1.0), a larger "
            "batch or gradient accumulation.",
        )
    return None


# ---- the entry point -----------------------------------------------------------------------------------------

def diagnose(history, predictions=None, num_classes: int = 2, metric: str | None = "auto", labels=None,
             eval_size: int | None = None) -> list[Finding]:
    """Findings about a training run, most pressing first; an empty list means nothing looks wrong.

    history: a HistoryCallback, a dict with "rows" and "train_losses", or a list of per-evaluation rows
        (dicts with epoch, validation_loss, and optionally train_loss and metrics).
    predictions: optional predicted class ids on the evaluation set (collapse is then read from their histogram).
    num_classes: how many classes the task has (sets the chance-level loss, ln num_classes).
    metric: the row key held-out predictions are judged by; "auto" takes the first of macro_f1, accuracy, f1,
        exact_match (two classes) or macro_f1, f1, exact_match, accuracy (more) that the rows have; None: no metric.
    labels: optional true class ids of the evaluation set: its size and class shares.
    eval_size: the evaluation set's size, when neither labels nor predictions give it; it sets the noise.
        Without any of them, changes are reported with the size they would need to count.
    """
    rows, losses = _rows_and_losses(history)
    label_shares = None
    if labels is not None:
        labels = np.asarray(list(labels)).astype(int).ravel()
        if not len(labels):
            raise ValueError("coursekit hint: labels is empty: pass the true class ids of the evaluation set.")
        num_classes = max(num_classes, int(labels.max()) + 1)
        label_shares = np.bincount(labels, minlength=num_classes) / len(labels)
    sizes = {len(labels)} if labels is not None else set()
    if predictions is not None:
        sizes.add(int(np.asarray(predictions).size))
    if eval_size is not None:
        sizes.add(int(eval_size))
    if len(sizes) > 1:
        raise ValueError(f"coursekit hint: labels, predictions and eval_size give different evaluation-set sizes "
                         f"({sorted(sizes)}): pass those of the set the rows were computed on.")
    size = sizes.pop() if sizes else None

    chosen = _task_metric(rows, metric, num_classes)
    underfitting = _underfitting(rows, losses, num_classes, chosen)
    collapse = _collapse(rows, predictions, num_classes, label_shares, underfitting is not None)
    # a model that has not learned, or answers one class, has no predictions to spoil: a rise is not the story then
    ends_collapsed = collapse is not None and collapse.name == "collapse to one class"
    rising = None if underfitting or ends_collapsed else _rising(rows, chosen, size)
    checks = [_unstable(losses, rows), collapse, underfitting, rising]
    return [finding for finding in checks if finding is not None]
