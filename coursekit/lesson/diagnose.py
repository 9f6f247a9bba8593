"""Names what went wrong in a training run, with the evidence and what to try.

`diagnose(history, predictions=None)` reads the per-epoch rows and logged training losses that
HistoryCallback records (or the same data as plain dicts) and returns a list of Findings:
overfitting, collapse to one class, underfitting, unstable loss. A healthy run gives none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

OVERFIT_RISE = 0.05  # validation loss this far (relative) above its best counts as rising
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


def _overfitting(rows: list[dict]) -> Finding | None:
    val = [row["validation_loss"] for row in rows]
    if len(val) < 2:
        return None
    best = int(np.argmin(val))
    if best == len(val) - 1 or val[-1] <= val[best] * (1 + OVERFIT_RISE):
        return None
    train = [row.get("train_loss", math.nan) for row in rows]
    if not train[-1] < train[best]:
        return None  # both rising is instability, not memorisation
    start = rows[best + 1]["epoch"]
    return Finding(
        "overfitting",
        f"validation loss rose from {val[best]:.3f} (epoch {rows[best]['epoch']:g}, its best) to "
        f"{val[-1]:.3f} (epoch {rows[-1]['epoch']:g}) while training loss fell from "
        f"{train[best]:.3f} to {train[-1]:.3f}: the model is memorising its training set.",
        "early stopping with load_best_model_at_end=True (keeps epoch "
        f"{rows[best]['epoch']:g}); fewer epochs or a lower learning rate; weight_decay; more "
        "dropout; freezing the lower layers; more training data.",
        start,
    )


def _collapse(rows: list[dict], predictions) -> Finding | None:
    if predictions is not None:
        counts = np.bincount(np.asarray(predictions).astype(int).ravel())
        top = int(np.argmax(counts))
        share = counts[top] / counts.sum()
        if share >= COLLAPSE_SHARE:
            return Finding(
                "collapse to one class",
                f"{share:.0%} of the predictions are class {top} (histogram: {counts.tolist()}).",
                "a lower learning rate (e.g. 1e-4 -> 2e-5 for bert-base) with warmup_steps=0.1; "
                "check that the labels are balanced and correctly encoded.",
            )
        return None
    if rows and rows[-1].get("recall") in (0.0, 1.0) and "precision" in rows[-1]:
        last = rows[-1]
        guess = "the positive class" if last["recall"] == 1.0 else "the negative class"
        return Finding(
            "collapse to one class",
            f"recall is {last['recall']:.2f} and precision {last['precision']:.2f} at epoch "
            f"{last['epoch']:g}: the classifier answers {guess} for everything.",
            "a lower learning rate with warmup_steps=0.1; pass predictions to diagnose() to see the "
            "class histogram.",
            last["epoch"],
        )
    return None


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
    values = losses or [row.get("train_loss", math.nan) for row in rows]
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
    spikes = [i for i, v in enumerate(values) if v > SPIKE_FACTOR * start]
    if spikes:
        return Finding(
            "unstable loss",
            f"{len(spikes)} logged training losses jump above {SPIKE_FACTOR:g}x the starting loss "
            f"({start:.3f}), e.g. {values[spikes[0]]:.3f} at log {spikes[0]}: steps overshoot.",
            "a lower learning rate, a longer warmup, gradient clipping (max_grad_norm=1.0), a larger "
            "batch or gradient accumulation.",
        )
    return None


def diagnose(history, predictions=None, num_classes: int = 2) -> list[Finding]:
    """Findings about a training run, most pressing first; an empty list means nothing looks wrong.

    history: a HistoryCallback, a dict with "rows" and "train_losses", or a list of per-epoch rows
        (dicts with epoch, train_loss, validation_loss and metrics).
    predictions: optional predicted class ids on the validation or test set.
    num_classes: how many classes the task has (sets the chance-level loss).
    """
    rows, losses = _rows_and_losses(history)
    checks = [_unstable(losses, rows), _collapse(rows, predictions),
              _underfitting(rows, losses, num_classes), _overfitting(rows)]
    return [finding for finding in checks if finding is not None]
