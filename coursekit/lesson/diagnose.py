"""Names what went wrong in a training run, with the evidence and what to try.

`diagnose(history, predictions=None)` reads the per-epoch rows and logged training losses that
HistoryCallback records (or the same data as plain dicts, e.g. a model card's results table) and
returns a list of Findings: unstable loss, collapse to one class (also a temporary one the run
recovered from), underfitting, overfitting, and a validation loss that rises while the task metric
(F1, exact match, accuracy) still improves. A healthy run gives none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

OVERFIT_RISE = 0.02  # validation loss this far (relative) above its best counts as rising (seed 000: +4.7%)
CLEAR_RISE = 0.05  # below this, a rise is a first sign: on a small validation set it can still be noise
TASK_METRICS = ("f1", "exact_match", "accuracy")  # the metric checkpoints should be chosen by, in this order
COLLAPSE_SHARE = 0.95  # this share of predictions in one class counts as collapse
UNDERFIT_SHARE = 0.85  # final training loss at this share of chance level (ln C) counts as not learning
SPIKE_FACTOR = 1.5  # a logged loss this many times the starting loss counts as a spike


@dataclass
class Finding:
    """One named problem: `name`, the `evidence` for it, what to `try_next`, and from which epoch."""

    name: str
    evidence: str
    try_next: str
    epoch: float | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.evidence}\n  try: {self.try_next}"


def _rows_and_losses(history) -> tuple[list[dict], list[float]]:
    if hasattr(history, "rows"):
        return list(history.rows), [entry["loss"] for entry in history.train_losses]
    if isinstance(history, dict):
        return list(history.get("rows", [])), [e["loss"] for e in history.get("train_losses", [])]
    return list(history), []


def _task_metric(rows: list[dict], metric: str | None) -> str | None:
    if metric != "auto":
        return metric if metric and rows and metric in rows[0] else None
    return next((name for name in TASK_METRICS if rows and name in rows[0]), None)


def _best_index(values: list[float], greater_is_better: bool) -> int:
    return int(np.argmax(values) if greater_is_better else np.argmin(values))


def _overfitting(rows: list[dict], metric: str | None) -> Finding | None:
    val = [row["validation_loss"] for row in rows]
    if len(val) < 2:
        return None
    best = _best_index(val, greater_is_better=False)
    rise = val[-1] / val[best] - 1
    if best == len(val) - 1 or rise < OVERFIT_RISE:
        return None
    train = [row.get("train_loss", math.nan) for row in rows]
    if not train[-1] < train[best]:
        return None  # both rising is instability, not memorisation
    if metric is not None:
        disagreement = _loss_and_metric_disagree(rows, metric, best)
        if disagreement:
            return disagreement
    first_sign = ("" if rise >= CLEAR_RISE else f" A rise under {CLEAR_RISE:.0%} is a first sign: on a small "
                  "validation set it can be noise, so watch the next epoch or compare seeds.")
    choose = f"metric_for_best_model='{metric}'" if metric else "the validation loss, or better your task's metric"
    return Finding(
        "overfitting",
        f"validation loss rose from {val[best]:.4g} (epoch {rows[best]['epoch']:g}, its best) to "
        f"{val[-1]:.4g} (epoch {rows[-1]['epoch']:g}, +{rise:.1%}) while training loss fell from "
        f"{train[best]:.4g} to {train[-1]:.4g}: the pattern of a model memorising its training set.{first_sign}",
        f"early stopping with load_best_model_at_end=True, choosing checkpoints by {choose} (the loss keeps "
        f"epoch {rows[best]['epoch']:g}); fewer epochs or a lower learning rate; weight_decay; more dropout; "
        "freezing the lower layers; more training data.",
        rows[best + 1]["epoch"],
    )


def _loss_and_metric_disagree(rows: list[dict], metric: str, loss_best: int) -> Finding | None:
    scores = [row[metric] for row in rows]
    metric_best = _best_index(scores, greater_is_better=True)
    if metric_best <= loss_best:
        return None
    return Finding(
        "validation loss rises, metric improves",
        f"validation loss is lowest at epoch {rows[loss_best]['epoch']:g} ({rows[loss_best]['validation_loss']:.3f}) "
        f"but {metric} keeps improving to epoch {rows[metric_best]['epoch']:g} "
        f"({scores[loss_best]:.4g} -> {scores[metric_best]:.4g}): the model grows over-confident on the examples "
        "it gets wrong while it gets more of them right. What you ship is judged by the metric.",
        f"choose checkpoints by the metric: metric_for_best_model='{metric}' with load_best_model_at_end=True "
        f"(early stopping on eval_loss would keep epoch {rows[loss_best]['epoch']:g}).",
        rows[loss_best + 1]["epoch"],
    )


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


def _collapsed_rows(rows: list[dict]) -> list[int]:
    # recall 1.0 (all positive) or 0.0 (all negative) with precision logged: a binary classifier's collapse
    return [i for i, row in enumerate(rows) if "precision" in row and row.get("recall") in (0.0, 1.0)]


def _collapse(rows: list[dict], predictions) -> Finding | None:
    if predictions is not None:
        counts = np.bincount(np.asarray(predictions).astype(int).ravel())
        top = int(np.argmax(counts))
        share = counts[top] / counts.sum()
        if share >= COLLAPSE_SHARE:
            return Finding(
                "collapse to one class",
                f"{share:.0%} of the predictions are class {top} (histogram: {counts.tolist()}).",
                "a lower learning rate with warmup_steps=0.1, more training steps or data (a model that has not "
                "learned yet also answers one class), several seeds; check that the labels are balanced and "
                "correctly encoded.",
            )
        return None
    collapsed = _collapsed_rows(rows)
    if not collapsed:
        return None
    last = rows[collapsed[-1]]
    guess = "the positive class" if last["recall"] == 1.0 else "the negative class"
    epochs = ("epoch " if len(collapsed) == 1 else "epochs ") + ", ".join(f"{rows[i]['epoch']:g}" for i in collapsed)
    if collapsed[-1] == len(rows) - 1:
        return Finding(
            "collapse to one class",
            f"recall is {last['recall']:.2f} and precision {last['precision']:.2f} at epoch {last['epoch']:g}: the "
            f"classifier answers {guess} for everything (collapsed at {epochs}).",
            "a lower learning rate with warmup_steps=0.1, or more steps (it may not have learned yet); pass "
            "predictions to diagnose() to see the class histogram; compare several seeds.",
            last["epoch"],
        )
    return _temporary_collapse(rows, collapsed, epochs, guess)


def _temporary_collapse(rows, collapsed, epochs, guess) -> Finding:
    recovered = collapsed[-1] + 1  # the first row after the last collapsed one
    stop, kept = early_stopping_outcome(rows, patience=1)
    lost = ""
    if stop < recovered:
        lost = (f" Early stopping on the validation loss with patience 1 would have stopped after epoch "
                f"{rows[stop]['epoch']:g} and kept epoch {rows[kept]['epoch']:g}, missing the recovery.")
    return Finding(
        "temporary collapse",
        f"at {epochs} the classifier answered {guess} for everything, then left the collapse "
        f"(epoch {rows[recovered]['epoch']:g}: recall {rows[recovered]['recall']:.2f}): a model that separates "
        f"the classes little or not yet can drift to one class and back.{lost}",
        "give such a run more steps before judging it, use early stopping with a larger patience (2-3), and "
        "compare seeds: on small data, one seed can collapse where another does not.",
        rows[collapsed[0]]["epoch"],
    )


def _underfitting(rows: list[dict], losses: list[float], num_classes: int) -> Finding | None:
    final = losses[-1] if losses else (rows[-1].get("train_loss") if rows else None)
    if final is None or math.isnan(final):
        return None
    chance = math.log(num_classes)
    if final < UNDERFIT_SHARE * chance:
        return None
    return Finding(
        "underfitting",
        f"the final training loss {final:.3f} is still close to {chance:.3f}, the loss of guessing "
        f"among {num_classes} classes: the model has barely learned anything yet.",
        "more training steps (epochs or data), a higher learning rate, fewer frozen layers; check "
        "that the labels are right (a loss that never falls can mean random labels).",
    )


def _unstable(losses: list[float], rows: list[dict]) -> Finding | None:
    # logged losses first; a table's per-epoch training losses only where a loss was recorded
    values = losses or [row["train_loss"] for row in rows if "train_loss" in row]
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


def diagnose(history, predictions=None, num_classes: int = 2, metric: str | None = "auto") -> list[Finding]:
    """Findings about a training run, most pressing first; an empty list means nothing looks wrong.

    history: a HistoryCallback, a dict with "rows" and "train_losses", or a list of per-epoch rows
        (dicts with epoch, validation_loss, and optionally train_loss and metrics).
    predictions: optional predicted class ids on the validation or test set.
    num_classes: how many classes the task has (sets the chance-level loss).
    metric: the task metric checkpoints should be chosen by (a row key such as "f1"); "auto" takes the first
        of f1, exact_match, accuracy that the rows have; None ignores metrics.
    """
    rows, losses = _rows_and_losses(history)
    underfitting = _underfitting(rows, losses, num_classes)
    # a model that has not learned yet has nothing to memorise: a rising validation loss is noise then
    overfitting = None if underfitting else _overfitting(rows, _task_metric(rows, metric))
    checks = [_unstable(losses, rows), _collapse(rows, predictions), underfitting, overfitting]
    return [finding for finding in checks if finding is not None]
