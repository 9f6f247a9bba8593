"""Evaluation metrics, as plain functions, as Trainer `compute_metrics`, and through `evaluate`.

scikit-learn computes the classification scores and seqeval the entity scores (its default,
conlleval-style mode). SQuAD's exact match and F1 are the only hand-written ones: no library
installable offline ships them, so they follow the official SQuAD v1.1 evaluation script
(https://rajpurkar.github.io/SQuAD-explorer/, evaluate-v1.1.py) line for line.

`evaluate.load("accuracy")` needs the Hub; `evaluate.load(metric_path("classification"))` loads
the same numbers from a module shipped inside coursekit, so it works offline.
"""

from __future__ import annotations

import collections
import re
import string
from pathlib import Path

import numpy as np

METRIC_MODULES = Path(__file__).parent / "metric_modules"


def metric_path(name: str) -> str:
    """The local folder of a coursekit metric, for `evaluate.load(metric_path(name))`.

    name: "classification", "entities" or "squad".
    """
    folder = METRIC_MODULES / name
    if not (folder / f"{name}.py").is_file():
        known = sorted(p.name for p in METRIC_MODULES.iterdir() if p.is_dir() and not p.name.startswith("_"))
        raise ValueError(f"No coursekit metric {name!r}; the metrics are: {', '.join(known)}.")
    return str(folder)


def classification_scores(references, predictions, average: str | None = None) -> dict[str, float]:
    """Accuracy, F1, precision and recall of integer class predictions, plus macro-F1 (scikit-learn computes them).

    references, predictions: sequences of integer class ids.
    average: how "f1", "precision" and "recall" are averaged: "binary" (the positive class 1 only), "macro"
        (the mean over classes) or "micro"; None means binary when every id is 0 or 1, else macro.
        "macro_f1" is always the mean of the per-class F1s: a constant classifier cannot score well on it.
        Classes with no predictions score 0 (zero_division=0).
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    y_true = _class_ids(references, "references")
    y_pred = _class_ids(predictions, "predictions")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{len(y_true)} references but {len(y_pred)} predictions: they must pair up.")
    if average is None:
        average = "binary" if set(np.union1d(y_true, y_pred).tolist()) <= {0, 1} else "macro"
    if average not in {"binary", "macro", "micro"}:
        raise ValueError(f"average must be 'binary', 'macro' or 'micro', not {average!r}.")
    if not len(y_true):
        return {"accuracy": 0.0, "f1": 0.0, "precision": 0.0, "recall": 0.0, "macro_f1": 0.0}
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
    macro_labels = [0, 1] if average == "binary" else None  # binary: both classes count, even if one is absent
    macro_f1 = f1_score(y_true, y_pred, average="macro", labels=macro_labels, zero_division=0)
    return {"accuracy": float(accuracy_score(y_true, y_pred)), "f1": float(f1),
            "precision": float(precision), "recall": float(recall), "macro_f1": float(macro_f1)}


def _class_ids(values, name: str) -> np.ndarray:
    """`values` as a flat integer array; probabilities or scores (fractions) are a mistake, named."""
    array = np.asarray(values).ravel()
    if array.dtype.kind == "f" and not np.array_equal(array, np.round(array)):
        fraction = array[array != np.round(array)][0]
        raise ValueError(f"{name} must be class ids (0, 1, ...), not scores such as {fraction:g}: "
                         "take the argmax of the logits (np.argmax(logits, axis=-1)) first.")
    return array.astype(int)


def named_scores(references, predictions, num_classes: int) -> dict[str, float]:
    """The scores `compute_classification_metrics` reports, with the averaging in their names.

    Two classes: accuracy, macro_f1, and f1, precision, recall of the positive class 1.
    More classes: accuracy, macro_f1, macro_precision, macro_recall (means over the classes).
    """
    if num_classes == 2:
        return classification_scores(references, predictions, average="binary")
    scores = classification_scores(references, predictions, average="macro")
    return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"],
            "macro_precision": scores["precision"], "macro_recall": scores["recall"]}


def baseline_scores(labels, num_classes: int | None = None) -> dict[str, dict[str, float]]:
    """The scores of the trivial classifiers that answer one class for everything, in `named_scores`' metrics.

    labels: the true class ids of the set the model is scored on. num_classes: how many classes the task has
    (default: the largest id + 1). Returns {"always <id>": scores} for every class, the majority class first;
    each model you train should beat the first row on accuracy and macro-F1.
    """
    y_true = np.asarray(labels).astype(int).ravel()
    if not len(y_true):
        raise ValueError("No labels: the trivial baselines need the labels of the evaluation set.")
    num_classes = num_classes or int(y_true.max()) + 1
    counts = np.bincount(y_true, minlength=num_classes)
    order = sorted(range(num_classes), key=lambda c: (-counts[c], c))  # majority first; ties by id
    return {f"always {c}": named_scores(y_true, np.full_like(y_true, c), num_classes) for c in order}


def _logits(eval_pred):
    # Some models return (logits, hidden states, ...): the logits come first
    return eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions


def compute_classification_metrics(eval_pred) -> dict[str, float]:
    """Trainer `compute_metrics` for sequence classification: logits -> the scores of `named_scores`.

    eval_pred: the EvalPrediction Trainer passes (predictions are logits, label_ids the labels).
    Two classes: accuracy, macro_f1, and f1/precision/recall of the positive class 1. More classes:
    accuracy and macro_f1, macro_precision, macro_recall; the names say how each is averaged.
    """
    logits = _logits(eval_pred)
    return named_scores(eval_pred.label_ids, np.argmax(logits, axis=-1), num_classes=logits.shape[-1])


def entity_scores(references: list[list[str]], predictions: list[list[str]]) -> dict:
    """Entity-level precision, recall and F1 (micro over all entities and per type), plus token accuracy.

    references, predictions: one list of IOB tag names (e.g. "B-PER") per sentence, aligned word by word.
    Returns {"precision", "recall", "f1", "accuracy", "per_type": {type: {precision, recall, f1, number}}},
    computed by seqeval (its default, conlleval-style mode).
    """
    from seqeval.metrics import accuracy_score, classification_report

    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} reference sentences but {len(predictions)} predicted.")
    for gold, pred in zip(references, predictions):
        if len(gold) != len(pred):
            raise ValueError(f"A sentence has {len(gold)} reference tags but {len(pred)} predicted: "
                             "align predictions to words (drop the -100 positions) first.")
    if not any(references) and not any(predictions):
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "accuracy": 0.0, "per_type": {}}
    report = classification_report(references, predictions, output_dict=True, zero_division=0)
    overall = report.pop("micro avg")
    per_type = {kind: {"precision": float(row["precision"]), "recall": float(row["recall"]),
                       "f1": float(row["f1-score"]), "number": int(row["support"])}
                for kind, row in report.items() if not kind.endswith(" avg")}
    return {"precision": float(overall["precision"]), "recall": float(overall["recall"]),
            "f1": float(overall["f1-score"]), "accuracy": float(accuracy_score(references, predictions)),
            "per_type": per_type}


def word_tags(predictions, label_ids, label_names) -> tuple[list[list[str]], list[list[str]]]:
    """(references, predictions) as tag names per sentence, keeping only positions labelled != -100.

    predictions: logits (sentences x tokens x labels) or predicted ids (sentences x tokens).
    label_ids: the aligned labels with -100 on special tokens and continuation pieces.
    """
    predictions = np.asarray(predictions)
    if predictions.ndim == 3:
        predictions = predictions.argmax(axis=-1)
    references, predicted = [], []
    for pred_row, gold_row in zip(predictions, np.asarray(label_ids)):
        keep = gold_row != -100
        references.append([label_names[i] for i in gold_row[keep]])
        predicted.append([label_names[i] for i in pred_row[keep]])
    return references, predicted


def ner_metrics(label_names):
    """A Trainer `compute_metrics` for token classification: entity precision, recall, F1, token accuracy.

    label_names: the tag names in label-id order (e.g. the dataset's ner_tags feature names).
    """
    def compute(eval_pred) -> dict[str, float]:
        logits = _logits(eval_pred)
        scores = entity_scores(*word_tags(logits, eval_pred.label_ids, label_names))
        return {name: scores[name] for name in ("precision", "recall", "f1", "accuracy")}

    return compute


_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_f1(prediction: str, truth: str) -> float:
    """Token-overlap F1 between one predicted and one true answer, after normalisation (SQuAD v1.1)."""
    predicted_tokens = normalize_answer(prediction).split()
    true_tokens = normalize_answer(truth).split()
    same = sum((collections.Counter(predicted_tokens) & collections.Counter(true_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted_tokens), same / len(true_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: dict[str, str], references: dict[str, list[str]]) -> dict[str, float]:
    """Exact match and F1 in percent, each the best over an example's true answers (SQuAD v1.1).

    predictions: question id -> predicted answer text. references: question id -> true answer texts.
    A question without a prediction scores 0, as in the official script.
    """
    if not references:
        raise ValueError("No references to score against.")
    exact = f1 = 0.0
    for qid, truths in references.items():
        if qid not in predictions:
            continue
        exact += max(float(normalize_answer(predictions[qid]) == normalize_answer(t)) for t in truths)
        f1 += max(squad_f1(predictions[qid], t) for t in truths)
    return {"exact_match": 100.0 * exact / len(references), "f1": 100.0 * f1 / len(references)}
