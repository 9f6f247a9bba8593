import evaluate
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from transformers import EvalPrediction

from coursekit.metrics import classification_scores, compute_classification_metrics, metric_path


def sklearn_scores(y_true, y_pred, average):
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
    return {"accuracy": accuracy_score(y_true, y_pred), "f1": f1, "precision": precision, "recall": recall}


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("num_classes,average", [(2, "binary"), (3, "macro"), (5, "macro"), (4, "micro")])
def test_equal_to_scikit_learn_on_random_inputs(seed, num_classes, average):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 60))
    y_true = rng.integers(0, num_classes, size)
    y_pred = rng.integers(0, num_classes, size)
    ours = classification_scores(y_true, y_pred, average=average)
    expected = sklearn_scores(y_true, y_pred, average)
    assert ours == pytest.approx(expected, abs=1e-12)


def test_degenerate_cases_match_scikit_learn():
    for y_true, y_pred in [([0, 0, 0], [0, 0, 0]), ([1, 1], [0, 0]), ([0, 1], [1, 1])]:
        assert classification_scores(y_true, y_pred) == pytest.approx(sklearn_scores(y_true, y_pred, "binary"))


def test_compute_metrics_reads_logits():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 2))
    labels = rng.integers(0, 2, 50)
    result = compute_classification_metrics(EvalPrediction(predictions=logits, label_ids=labels))
    assert result == pytest.approx(sklearn_scores(labels, logits.argmax(-1), "binary"))
    three = rng.normal(size=(50, 3))
    labels3 = rng.integers(0, 3, 50)
    result = compute_classification_metrics(EvalPrediction(predictions=(three,), label_ids=labels3))
    assert result == pytest.approx(sklearn_scores(labels3, three.argmax(-1), "macro"))


def test_evaluate_load_of_the_local_module_works_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    metric = evaluate.load(metric_path("classification"))
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 2, 40), rng.integers(0, 2, 40)
    assert metric.compute(predictions=y_pred, references=y_true) == pytest.approx(
        sklearn_scores(y_true, y_pred, "binary"))


def test_mismatched_lengths_and_unknown_names():
    with pytest.raises(ValueError, match="pair up"):
        classification_scores([0, 1], [0])
    with pytest.raises(ValueError, match="classification"):
        metric_path("bleu")
