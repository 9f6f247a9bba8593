import re

import evaluate
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from transformers import EvalPrediction

from sklearn.metrics import f1_score as sklearn_f1

from coursekit.lesson.metrics import (baseline_scores, classification_scores, compute_classification_metrics,
                                      metric_path)


def sklearn_scores(y_true, y_pred, average):
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
    labels = [0, 1] if average == "binary" else None
    macro = sklearn_f1(y_true, y_pred, average="macro", labels=labels, zero_division=0)
    return {"accuracy": accuracy_score(y_true, y_pred), "f1": f1, "precision": precision, "recall": recall,
            "macro_f1": macro}


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
    macro = sklearn_scores(labels3, three.argmax(-1), "macro")
    # more than two classes: every averaged score says so in its name, none passes for a positive class's
    assert result == pytest.approx({"accuracy": macro["accuracy"], "macro_f1": macro["f1"],
                                    "macro_precision": macro["precision"], "macro_recall": macro["recall"]})


def test_classification_scores_of_nothing_are_zero_and_an_unknown_average_is_named():
    assert classification_scores([], []) == {"accuracy": 0.0, "f1": 0.0, "precision": 0.0, "recall": 0.0,
                                              "macro_f1": 0.0}
    with pytest.raises(ValueError, match=r"^average must be 'binary', 'macro' or 'micro', not 'weighted'\.$"):
        classification_scores([0, 1], [0, 1], average="weighted")


@pytest.mark.parametrize("y_true,y_pred,average", [([0, 0, 0], [0, 0, 0], "binary"), ([0, 0], [1, 1], "binary"),
                                                   ([0, 2, 2], [1, 1, 1], "macro"), ([0, 1], [2, 2], "micro")])
def test_undefined_scores_are_zero_without_a_warning(y_true, y_pred, average):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's UndefinedMetricWarning would fill a learner's notebook
        scores = classification_scores(y_true, y_pred, average=average)
    assert scores == pytest.approx(sklearn_scores(y_true, y_pred, average))


def test_a_three_class_task_is_scored_macro_even_when_the_set_holds_two_classes():
    from coursekit.lesson.metrics import named_scores

    y_true, y_pred = [0, 1, 1, 0, 1], [0, 1, 0, 0, 0]  # class 2 absent here, but the task has three
    scores = named_scores(y_true, y_pred, num_classes=3)
    expected = sklearn_scores(y_true, y_pred, "macro")
    assert scores == pytest.approx({"accuracy": expected["accuracy"], "macro_f1": expected["f1"],
                                    "macro_precision": expected["precision"], "macro_recall": expected["recall"]})
    assert scores["macro_f1"] != pytest.approx(classification_scores(y_true, y_pred, average="binary")["f1"])


def test_multi_class_default_is_macro_not_micro():
    # the audit's mutant M1: micro F1 here is 0.667, macro 0.452 (the audit rounds it)
    y_true, y_pred = [0, 0, 0, 0, 1, 2], [0, 0, 0, 1, 1, 1]
    scores = classification_scores(y_true, y_pred)
    assert scores["f1"] == pytest.approx(sklearn_f1(y_true, y_pred, average="macro"))
    assert scores["f1"] == pytest.approx(0.4524, abs=1e-4)
    assert scores["macro_f1"] == scores["f1"]


def test_macro_f1_exposes_a_constant_classifier_that_positive_class_f1_flatters():
    labels = [1] * 58 + [0] * 42
    scores = classification_scores(labels, [1] * 100)
    assert scores["f1"] == pytest.approx(2 * 0.58 / 1.58)  # about 0.73: looks respectable
    assert scores["macro_f1"] == pytest.approx(0.58 / 1.58)  # half of it: class 0 scores 0


def test_baseline_scores_put_the_majority_first_in_the_same_metrics():
    labels = np.array([1] * 6 + [0] * 4)
    baselines = baseline_scores(labels)
    assert list(baselines) == ["always 1", "always 0"]
    majority = baselines["always 1"]
    assert majority == pytest.approx(classification_scores(labels, np.ones(10, int), average="binary"))
    assert majority["accuracy"] == 0.6 and majority["recall"] == 1.0
    assert baselines["always 0"]["accuracy"] == 0.4 and baselines["always 0"]["f1"] == 0.0
    balanced = baseline_scores([0, 1, 0, 1])
    assert list(balanced) == ["always 0", "always 1"]  # a tie goes to the lower id
    three = baseline_scores([2, 2, 2, 0, 1], num_classes=3)
    assert list(three) == ["always 2", "always 0", "always 1"]
    assert set(three["always 2"]) == {"accuracy", "macro_f1", "macro_precision", "macro_recall"}
    assert three["always 2"]["macro_f1"] == pytest.approx((0 + 0 + 2 * 0.6 / 1.6) / 3)
    with pytest.raises(ValueError, match="^No labels: the trivial baselines need the labels"):
        baseline_scores([])


def test_baseline_scores_list_a_class_absent_from_the_labels():
    baselines = baseline_scores([1, 1, 0], num_classes=3)  # class 2 never occurs here, but the task has it
    assert list(baselines) == ["always 1", "always 0", "always 2"]
    assert baselines["always 2"]["accuracy"] == 0.0


def test_evaluate_load_of_the_local_module_works_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    metric = evaluate.load(metric_path("classification"))
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 2, 40), rng.integers(0, 2, 40)
    assert metric.compute(predictions=y_pred, references=y_true) == pytest.approx(
        sklearn_scores(y_true, y_pred, "binary"))


@pytest.mark.parametrize("references,predictions,named,fraction", [([0, 1, 1], [0, 0.9, 0.6], "predictions", "0.9"),
                                                                   ([0.0, 1.5], [0, 1], "references", "1.5")])
def test_scores_instead_of_class_ids_are_named(references, predictions, named, fraction):
    with pytest.raises(ValueError, match=rf"^{named} must be class ids \(0, 1, \.\.\.\), not scores such as "
                                         rf"{re.escape(fraction)}: take the argmax of the logits"):
        classification_scores(references, predictions)


def test_whole_numbers_as_floats_and_strings_are_class_ids():
    assert classification_scores(np.array([0.0, 1.0, 2.0]), ["0", "1", "1"]) == pytest.approx(
        sklearn_scores([0, 1, 2], [0, 1, 1], "macro"))


def test_mismatched_lengths_and_unknown_names():
    with pytest.raises(ValueError, match="pair up"):
        classification_scores([0, 1], [0])
    with pytest.raises(ValueError, match=r"^No coursekit metric 'bleu'; the metrics are: classification, entities, "
                                         r"squad\.$"):
        metric_path("bleu")


# --- entity scores: equal to seqeval ---------------------------------------------------------

from seqeval.metrics import accuracy_score as seqeval_accuracy  # noqa: E402
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score  # noqa: E402

from coursekit.lesson.conll import entity_spans  # noqa: E402
from coursekit.lesson.metrics import entity_scores, ner_metrics, word_tags  # noqa: E402

NER_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


@pytest.mark.parametrize("seed", range(60))
def test_entity_scores_equal_seqeval_on_random_tags(seed):
    rng = np.random.default_rng(seed)
    gold = [list(rng.choice(NER_TAGS, int(rng.integers(1, 15)))) for _ in range(int(rng.integers(1, 10)))]
    pred = [[str(rng.choice(NER_TAGS)) if rng.random() < 0.4 else tag for tag in sentence] for sentence in gold]
    ours = entity_scores(gold, pred)
    expected = {"precision": precision_score(gold, pred, zero_division=0),
                "recall": recall_score(gold, pred, zero_division=0),
                "f1": f1_score(gold, pred, zero_division=0), "accuracy": seqeval_accuracy(gold, pred)}
    assert {k: ours[k] for k in expected} == pytest.approx(expected, abs=1e-12)
    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    types = {kind for kind in report if not kind.endswith(" avg")}  # every type in the references or predictions
    assert set(ours["per_type"]) == types
    for kind in types:
        assert ours["per_type"][kind] == pytest.approx(
            {"precision": report[kind]["precision"], "recall": report[kind]["recall"], "f1": report[kind]["f1-score"],
             "number": report[kind]["support"]}, abs=1e-12)


def test_entity_spans_hand_checked():
    # B-PER I-PER = one person; a stray I-LOC after O starts an entity (conlleval rule);
    # B-ORG B-ORG = two organisations; I-MISC after B-LOC switches type
    tags = ["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "B-ORG", "B-LOC", "I-MISC"]
    assert set(entity_spans(tags)) == {("PER", 0, 1), ("LOC", 3, 3), ("ORG", 4, 4), ("ORG", 5, 5),
                                   ("LOC", 6, 6), ("MISC", 7, 7)}


def test_entity_scores_partial_match_counts_as_miss():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    pred = [["B-PER", "O", "O", "B-LOC"]]  # the person is cut short: wrong entity, not half right
    scores = entity_scores(gold, pred)
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5
    assert scores["per_type"]["PER"]["f1"] == 0.0 and scores["per_type"]["LOC"]["f1"] == 1.0


def test_entity_scores_reject_unaligned_sentences():
    with pytest.raises(ValueError, match=r"^A sentence has 2 reference tags but 1 predicted: align predictions to "
                                         r"words \(drop the -100 positions\) first\.$"):
        entity_scores([["O", "B-PER"]], [["O"]])
    with pytest.raises(ValueError, match=r"^2 reference sentences but 1 predicted\.$"):
        entity_scores([["O"], ["O"]], [["O"]])


def test_metric_path_lists_only_metric_folders(tmp_path, monkeypatch):
    from coursekit.lesson import metrics

    for folder in ("accuracy", "_shared", "draft"):
        (tmp_path / folder).mkdir()
    (tmp_path / "accuracy" / "accuracy.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    monkeypatch.setattr(metrics, "METRIC_MODULES", tmp_path)
    assert metric_path("accuracy") == str(tmp_path / "accuracy")
    with pytest.raises(ValueError, match=r"the metrics are: accuracy, draft\.$"):  # folders, not files or _private
        metric_path("draft")  # a folder without its module is no metric


def test_entity_scores_of_nothing_are_zero():
    zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "accuracy": 0.0, "per_type": {}}
    assert entity_scores([], []) == zero and entity_scores([[]], [[]]) == zero


def test_entity_scores_without_any_entity_predicted_do_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a learner's notebook should not fill with seqeval's warnings
        scores = entity_scores([["B-PER", "O"]], [["O", "O"]])
    assert scores["precision"] == 0.0 and scores["recall"] == 0.0 and scores["per_type"]["PER"]["f1"] == 0.0


def test_ner_compute_metrics_skips_ignored_positions():
    labels = np.array([[-100, 1, 2, 0, -100, -100], [-100, 5, -100, 0, 0, -100]])
    logits = np.full((2, 6, 9), -5.0)
    for row, tags in enumerate([[0, 1, 2, 0, 3, 3], [0, 5, 6, 0, 3, 0]]):
        for position, tag in enumerate(tags):
            logits[row, position, tag] = 5.0
    references, predictions = word_tags(logits, labels, NER_TAGS)
    assert references == [["B-PER", "I-PER", "O"], ["B-LOC", "O", "O"]]
    assert predictions == [["B-PER", "I-PER", "O"], ["B-LOC", "O", "B-ORG"]]
    result = ner_metrics(NER_TAGS)(EvalPrediction(predictions=logits, label_ids=labels))
    assert result == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "accuracy": 5 / 6})


# --- SQuAD v1.1: hand-checked against the official definitions --------------------------------

from coursekit.lesson.metrics import normalize_answer, squad_f1, squad_scores  # noqa: E402


@pytest.mark.parametrize("text,normalized", [
    ("The Eiffel Tower", "eiffel tower"),
    ("  an   apple, a pear.", "apple pear"),
    ("Theatre!", "theatre"),            # "the" inside a word stays
    ("U.S.-based", "usbased"),          # punctuation is deleted, not replaced by a space
    ("A", ""),
])
def test_normalize_answer(text, normalized):
    assert normalize_answer(text) == normalized


@pytest.mark.parametrize("prediction,truth,f1", [
    ("the Denver Broncos", "Denver Broncos", 1.0),
    ("Denver", "Denver Broncos", 2 * (1.0 * 0.5) / 1.5),            # precision 1, recall 1/2
    ("Broncos of Denver", "Denver Broncos", 2 * (2 / 3 * 1.0) / (2 / 3 + 1.0)),
    ("Carolina Panthers", "Denver Broncos", 0.0),
    ("", "Denver Broncos", 0.0),
    ("the", "a", 0.0),                                               # both normalise to empty: 0 in v1.1
])
def test_squad_f1_hand_checked(prediction, truth, f1):
    assert squad_f1(prediction, truth) == pytest.approx(f1)


def test_squad_scores_go_on_past_an_unanswered_question():
    references = {"q1": ["Paris"], "q2": ["1996"], "q3": ["Ada Lovelace"]}
    scores = squad_scores({"q2": "1996", "q3": "Lovelace"}, references)  # q1 unanswered, first
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1.0 + 2 * 1.0 * 0.5 / 1.5) / 3)
    both = squad_scores({"q1": "paris", "q2": "1996"}, references)
    assert both["exact_match"] == pytest.approx(200 / 3)  # percent of all questions, not per question


def test_squad_scores_need_references():
    with pytest.raises(ValueError, match="^No references to score against.$"):
        squad_scores({"q1": "Paris"}, {})


def test_squad_scores_take_the_best_truth_and_count_missing_as_zero():
    references = {"q1": ["Denver Broncos", "Broncos"], "q2": ["1996"], "q3": ["Paris"]}
    predictions = {"q1": "Broncos", "q2": "in 1996"}  # q3 unanswered
    scores = squad_scores(predictions, references)
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1.0 + 2 * 0.5 * 1.0 / 1.5) / 3)


def test_squad_metric_loads_offline_through_evaluate():
    metric = evaluate.load(metric_path("squad"))
    result = metric.compute(predictions=[{"id": "a", "prediction_text": "the cat"}],
                            references=[{"id": "a", "answers": {"text": ["Cat"], "answer_start": [0]}}])
    assert result == {"exact_match": 100.0, "f1": 100.0}


def test_entities_metric_loads_offline_through_evaluate():
    metric = evaluate.load(metric_path("entities"))
    result = metric.compute(predictions=[["B-PER", "O"]], references=[["B-PER", "O"]])
    assert result["f1"] == 1.0 and result["per_type"]["PER"]["number"] == 1
