"""Evaluation metrics, as plain functions, as Trainer `compute_metrics`, and through `evaluate`.

Classification equals scikit-learn, entity scores equal seqeval (default, conlleval-style mode),
SQuAD scores equal the official SQuAD v1.1 evaluation script.

`evaluate.load("accuracy")` needs the Hub; `evaluate.load(metric_path("classification"))` loads
the same numbers from a module shipped inside coursekit, so it works offline.
"""

from __future__ import annotations

import collections
import re
import string
from pathlib import Path

import numpy as np

from .conll import entity_spans

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


def _logits(eval_pred):
    # Some models return (logits, hidden states, ...): the logits come first
    return eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions


def compute_classification_metrics(eval_pred) -> dict[str, float]:
    """Trainer `compute_metrics` for sequence classification: logits -> accuracy, F1, precision, recall.

    eval_pred: the EvalPrediction Trainer passes (predictions are logits, label_ids the labels).
    Two classes are scored as binary (positive class 1), more as macro averages.
    """
    logits = _logits(eval_pred)
    average = "binary" if logits.shape[-1] == 2 else "macro"
    return classification_scores(eval_pred.label_ids, np.argmax(logits, axis=-1), average=average)


def entity_scores(references: list[list[str]], predictions: list[list[str]]) -> dict:
    """Entity-level precision, recall and F1 (micro over all entities and per type), plus token accuracy.

    references, predictions: one list of IOB tag names (e.g. "B-PER") per sentence, aligned word by word.
    Returns {"precision", "recall", "f1", "accuracy", "per_type": {type: {precision, recall, f1, number}}},
    equal to seqeval's scores.
    """
    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} reference sentences but {len(predictions)} predicted.")
    true_by_type, pred_by_type, hit_by_type = (collections.Counter() for _ in range(3))
    correct_tokens = total_tokens = 0
    for gold, pred in zip(references, predictions):
        if len(gold) != len(pred):
            raise ValueError(f"A sentence has {len(gold)} reference tags but {len(pred)} predicted: "
                             "align predictions to words (drop the -100 positions) first.")
        true, found = set(entity_spans(gold)), set(entity_spans(pred))
        true_by_type.update(kind for kind, _, _ in true)
        pred_by_type.update(kind for kind, _, _ in found)
        hit_by_type.update(kind for kind, _, _ in true & found)
        correct_tokens += sum(g == p for g, p in zip(gold, pred))
        total_tokens += len(gold)

    def prf(hits, predicted, actual):
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    per_type = {}
    for kind in sorted(set(true_by_type) | set(pred_by_type)):
        p, r, f = prf(hit_by_type[kind], pred_by_type[kind], true_by_type[kind])
        per_type[kind] = {"precision": p, "recall": r, "f1": f, "number": true_by_type[kind]}
    p, r, f = prf(sum(hit_by_type.values()), sum(pred_by_type.values()), sum(true_by_type.values()))
    return {"precision": p, "recall": r, "f1": f,
            "accuracy": correct_tokens / total_tokens if total_tokens else 0.0, "per_type": per_type}


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
