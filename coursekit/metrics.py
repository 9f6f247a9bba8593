"""Evaluation metrics, as plain functions, as Trainer `compute_metrics`, and through `evaluate`.

`evaluate.load("accuracy")` needs the Hub; `evaluate.load(metric_path("classification"))` loads
the same numbers from a module shipped inside coursekit, so it works offline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

METRIC_MODULES = Path(__file__).parent / "metric_modules"


def metric_path(name: str) -> str:
    """The local folder of a coursekit metric, for `evaluate.load(metric_path(name))`.

    name: "classification".
    """
    folder = METRIC_MODULES / name
    if not (folder / f"{name}.py").is_file():
        known = sorted(p.name for p in METRIC_MODULES.iterdir() if p.is_dir() and not p.name.startswith("_"))
        raise ValueError(f"No coursekit metric {name!r}; the metrics are: {', '.join(known)}.")
    return str(folder)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # 0 where the denominator is 0, as scikit-learn does with zero_division=0
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def classification_scores(references, predictions, average: str | None = None) -> dict[str, float]:
    """Accuracy, F1, precision and recall of integer class predictions.

    references, predictions: sequences of integer class ids.
    average: "binary" (positive class 1), "macro" or "micro"; None picks binary when every id is
        0 or 1, else macro. Equal to scikit-learn with zero_division=0.
    """
    y_true = np.asarray(references).astype(int).ravel()
    y_pred = np.asarray(predictions).astype(int).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{len(y_true)} references but {len(y_pred)} predictions: they must pair up.")
    labels = np.union1d(y_true, y_pred)
    if average is None:
        average = "binary" if set(labels.tolist()) <= {0, 1} else "macro"
    if average == "binary":
        labels = np.array([1])
    true_pos = np.array([np.sum((y_pred == c) & (y_true == c)) for c in labels], dtype=float)
    pred_pos = np.array([np.sum(y_pred == c) for c in labels], dtype=float)
    actual_pos = np.array([np.sum(y_true == c) for c in labels], dtype=float)
    if average == "micro":
        true_pos, pred_pos, actual_pos = true_pos.sum(keepdims=True), pred_pos.sum(keepdims=True), actual_pos.sum(keepdims=True)
    elif average not in {"binary", "macro"}:
        raise ValueError(f"average must be 'binary', 'macro' or 'micro', not {average!r}.")
    precision = _ratio(true_pos, pred_pos)
    recall = _ratio(true_pos, actual_pos)
    f1 = _ratio(2 * true_pos, pred_pos + actual_pos)
    return {
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "f1": float(f1.mean()),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
    }


def compute_classification_metrics(eval_pred) -> dict[str, float]:
    """Trainer `compute_metrics` for sequence classification: logits -> accuracy, F1, precision, recall.

    eval_pred: the EvalPrediction Trainer passes (predictions are logits, label_ids the labels).
    Two classes are scored as binary (positive class 1), more as macro averages.
    """
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    average = "binary" if logits.shape[-1] == 2 else "macro"
    return classification_scores(eval_pred.label_ids, np.argmax(logits, axis=-1), average=average)
