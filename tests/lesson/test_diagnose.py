"""diagnose() on synthetic histories and on the seeds' own tables: one test per finding, its noise
thresholds and class boundaries, and a healthy run that yields none. Every finding any test gets is also
checked to read as a learner sees it (see `diagnose` below)."""

import math

import numpy as np
import pytest

from coursekit.lesson import diagnose as diagnose_module
from coursekit.lesson.diagnose import (
    COLLAPSE_SHARE, UNDERFIT_BAND, UNDERFIT_SHARE, binary_confusion, early_stopping_outcome, loss_noise, metric_noise,
)

FINDINGS = {"unstable loss", "collapse to one class", "temporary collapse", "underfitting", "overfitting",
            "over-confidence", "validation loss rises"}


def diagnose(*args, **kwargs):
    """diagnose(), and every finding printed as `name: evidence / try: try_next` reads as whole sentences."""
    findings = diagnose_module.diagnose(*args, **kwargs)
    for finding in findings:
        assert finding.name in FINDINGS
        assert finding.evidence.endswith(".") and finding.try_next.endswith("."), finding
        assert finding.try_next[0].islower(), finding  # it follows "try: "
        assert "None" not in str(finding) and " inf " not in str(finding), finding
    return findings


def rows(val_losses, train_losses=None, **metrics):
    out = []
    for i, val in enumerate(val_losses):
        row = {"epoch": float(i + 1), "step": 100 * (i + 1), "validation_loss": val}
        if train_losses is not None:
            row["train_loss"] = train_losses[i]
        row.update({name: values[i] for name, values in metrics.items()})
        out.append(row)
    return out


def logged(start, end, count=20, noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    return [{"loss": float(v)} for v in np.linspace(start, end, count) + rng.normal(0, noise, count)]


def names(findings):
    return [f.name for f in findings]


def only(findings, name):
    [finding] = [f for f in findings if f.name == name]
    return finding


def test_healthy_run_has_no_findings():
    history = {"rows": rows([0.50, 0.42, 0.40], [0.60, 0.40, 0.33], accuracy=[0.75, 0.80, 0.82],
                            recall=[0.8, 0.83, 0.85], precision=[0.76, 0.8, 0.81]),
               "train_losses": logged(0.69, 0.3)}
    assert diagnose(history) == []
    assert diagnose(history, eval_size=500) == []


# ---- noise thresholds ------------------------------------------------------------------------------------

def test_noise_thresholds_follow_the_evaluation_set_size():
    assert metric_noise(0.5, 400) == pytest.approx(0.05)  # 2 * sqrt(0.25 / 400)
    assert metric_noise(0.9, 100) == pytest.approx(0.06)
    assert metric_noise(90.0, 100, scale=100) == pytest.approx(6.0)  # percentages, as SQuAD's scores
    assert loss_noise(400) == pytest.approx(0.1)
    assert loss_noise(1600) == pytest.approx(0.05)


def overfit_rows(last_accuracy):
    # loss lowest at epoch 2 with accuracy 0.80 there; training loss keeps falling
    return rows([0.45, 0.40, 0.50, 0.60], [0.55, 0.30, 0.12, 0.04], accuracy=[0.76, 0.80, 0.79, last_accuracy])


def test_overfitting_needs_held_out_predictions_worse_beyond_the_noise():
    noise = metric_noise(0.80, 400)  # 0.04
    found = diagnose(overfit_rows(0.80 - 1.05 * noise), eval_size=400)
    assert names(found) == ["overfitting"]
    assert found[0].epoch == 3.0  # the epoch after the metric's best
    assert "accuracy fell from 0.800 (epoch 2, its best)" in found[0].evidence
    assert "noise of 0.040 on 400 examples" in found[0].evidence
    assert "metric_for_best_model='accuracy'" in found[0].try_next
    # the same drop within the noise: the loss rose, the predictions are not worse
    within = diagnose(overfit_rows(0.80 - 0.95 * noise), eval_size=400)
    assert names(within) == ["over-confidence"]
    assert "within the noise of 0.040" in within[0].evidence


def test_the_same_drop_counts_on_a_large_set_and_not_on_a_small_one():
    history = overfit_rows(0.75)  # 5 points down from the best
    assert names(diagnose(history, eval_size=1000)) == ["overfitting"]  # noise 0.025
    assert names(diagnose(history, eval_size=200)) == ["over-confidence"]  # noise 0.057; the loss rise 50% counts


def test_a_rise_of_the_loss_counts_only_beyond_its_noise():
    size = 400  # loss noise 10%
    below = rows([0.50, 0.40, 0.40 * (1 + 0.95 * loss_noise(size))], [0.6, 0.4, 0.3])
    above = rows([0.50, 0.40, 0.40 * (1 + 1.05 * loss_noise(size))], [0.6, 0.4, 0.3])
    assert diagnose(below, eval_size=size) == []
    [finding] = diagnose(above, eval_size=size)
    assert finding.name == "validation loss rises" and finding.epoch == 3.0
    assert "beyond the noise of 10.0% on 400 examples" in finding.evidence
    assert "cannot tell overfitting" in finding.evidence


def test_loss_up_and_metric_up_beyond_noise_is_over_confidence():
    history = rows([0.50, 0.40, 0.60], [0.6, 0.4, 0.2], accuracy=[0.70, 0.74, 0.82])
    [finding] = diagnose(history, eval_size=1000)
    assert finding.name == "over-confidence"
    assert "accuracy rose from 0.740 to 0.820, beyond the noise of 0.028" in finding.evidence
    assert "judged by the metric on held-out data" in finding.evidence
    assert "early stopping on eval_loss would keep epoch 2" in finding.try_next


def test_a_wobble_of_one_example_is_not_an_improvement():
    # review L05-1: F1 0.659574 -> 0.659459 -> 0.662722 on 160 snippets while the loss rose
    history = rows([0.70, 0.635, 0.928, 0.950], [0.69, 0.58, 0.25, 0.12], f1=[0.62, 0.659574, 0.659459, 0.662722])
    [finding] = diagnose(history, metric="f1", eval_size=160)
    assert finding.name == "over-confidence"
    assert "f1 went from 0.660 to 0.663, within the noise of 0.075" in finding.evidence
    assert "f1 rose" not in finding.evidence


def test_a_metric_that_falls_after_a_later_peak_is_overfitting_from_that_peak():
    history = rows([0.45, 0.40, 0.48, 0.60], [0.55, 0.30, 0.12, 0.04], accuracy=[0.70, 0.75, 0.85, 0.78])
    [finding] = diagnose(history, eval_size=1000)
    assert finding.name == "overfitting" and finding.epoch == 4.0
    assert "(epoch 3, its best)" in finding.evidence


def test_a_falling_metric_with_a_falling_loss_is_not_called_overfitting():
    history = rows([0.60, 0.50, 0.45], [0.6, 0.4, 0.3], accuracy=[0.80, 0.82, 0.70])
    assert diagnose(history, eval_size=1000) == []


def test_validation_and_training_loss_both_rising_is_not_overfitting():
    # the guard "training loss must have fallen": both rising at the end is instability
    assert diagnose(rows([0.40, 0.35, 0.45], [0.30, 0.25, 0.28]), eval_size=1000) == []
    assert names(diagnose(rows([0.40, 0.35, 0.45], [0.30, 0.25, 0.20]), eval_size=1000)) == ["validation loss rises"]
    falling_metric = overfit_rows(0.60)
    falling_metric[-1]["train_loss"] = 0.35  # above the best epoch's 0.30
    assert diagnose(falling_metric, eval_size=1000) == []


def test_without_the_evaluation_size_a_rise_states_the_size_it_needs():
    history = rows([0.45, 0.41, 0.47, 0.58], [0.55, 0.30, 0.12, 0.04], accuracy=[0.70, 0.80, 0.78, 0.74])
    [finding] = diagnose(history)
    assert finding.name == "validation loss rises" and finding.epoch == 3.0
    assert "+41.5%" in finding.evidence and "at least 24 examples" in finding.evidence  # (2 / 0.4146)^2 = 23.3
    assert "accuracy went from 0.800 to 0.740, a change beyond noise only on at least 178 examples (then: " \
           "overfitting)" in finding.evidence
    assert "eval_size=" in finding.try_next


def test_without_the_size_a_small_wobble_is_not_reported():
    # under 2%, the noise of 10,000 examples: beyond noise on almost no validation set
    assert diagnose(rows([0.45, 0.41, 0.4181], [0.55, 0.30, 0.2])) == []
    assert names(diagnose(rows([0.45, 0.41, 0.4183], [0.55, 0.30, 0.2]))) == ["validation loss rises"]


def test_the_metric_judged_by_default():
    # two classes: accuracy before the positive class's F1, which a collapsed model can top
    history = rows([0.50, 0.40, 0.60], [0.6, 0.4, 0.2], f1=[0.70, 0.80, 0.70], accuracy=[0.70, 0.74, 0.82])
    assert names(diagnose(history, eval_size=1000)) == ["over-confidence"]
    assert names(diagnose(history, eval_size=1000, metric="f1")) == ["overfitting"]
    with_macro = rows([0.50, 0.40, 0.60], [0.6, 0.4, 0.2], f1=[0.70, 0.80, 0.82], accuracy=[0.70, 0.80, 0.82],
                      macro_f1=[0.70, 0.80, 0.70])
    assert names(diagnose(with_macro, eval_size=1000)) == ["overfitting"]  # macro-F1 first
    assert names(diagnose(with_macro, eval_size=1000, metric=None)) == ["validation loss rises"]
    # more classes (NER, QA): f1 before exact match and token accuracy; SQuAD scores are percentages
    ner = rows([0.30, 0.25, 0.40], [0.3, 0.2, 0.1], f1=[0.80, 0.85, 0.75], accuracy=[0.95, 0.96, 0.97])
    assert names(diagnose(ner, num_classes=9, eval_size=1000)) == ["overfitting"]
    assert names(diagnose(ner, num_classes=9, eval_size=1000, metric="accuracy")) == ["over-confidence"]
    qa = rows([0.94, 0.93, 1.05], [0.99, 0.77, 0.56], f1=[80.1, 84.0, 86.5], exact_match=[70.0, 75.1, 71.0])
    found = only(diagnose(qa, num_classes=384, eval_size=2000), "over-confidence")
    assert "f1 rose from 84.0 to 86.5, beyond the noise of 1.6" in found.evidence
    assert names(diagnose(qa, num_classes=384, eval_size=2000, metric="exact_match")) == ["overfitting"]


# ---- collapse ------------------------------------------------------------------------------------------------

def test_binary_confusion_recovers_the_matrix_from_three_scores():
    rng = np.random.default_rng(0)
    for _ in range(20):
        tp, fp, fn, tn = rng.dirichlet(np.ones(4))
        accuracy, precision, recall = tp + tn, tp / (tp + fp), tp / (tp + fn)
        got = binary_confusion(accuracy, precision, recall)
        assert [got[k] for k in ("tp", "fp", "fn", "tn")] == pytest.approx([tp, fp, fn, tn], abs=1e-9)
        with_share = binary_confusion(accuracy, precision, recall, positive_share=tp + fn)
        assert with_share["fp"] == pytest.approx(fp)
    assert binary_confusion(0.5365, 0.5275, 0.7003)["tp"] + binary_confusion(0.5365, 0.5275, 0.7003)["fn"] \
        == pytest.approx(0.5, abs=1e-3)  # seed 001's set was balanced
    assert binary_confusion(0.55, 0.0, 0.0) is None  # no true positive, share unknown: 0/0 precision
    assert binary_confusion(0.55, 0.0, 0.0, positive_share=0.45) == pytest.approx(
        {"tp": 0, "fp": 0, "fn": 0.45, "tn": 0.55})
    assert binary_confusion(1.0, 1.0, 1.0) is None  # a perfect classifier fits any share
    assert binary_confusion(0.3, 0.9, 0.9) is None  # no confusion matrix gives these


def test_collapse_from_predictions_of_either_class_and_any_number_of_classes():
    history = rows([0.69, 0.69], [0.70, 0.69])
    ones = np.ones(200, dtype=int)
    ones[:3] = 0
    [finding] = [f for f in diagnose(history, predictions=ones) if f.name == "collapse to one class"]
    assert "98% of the predictions are class 1" in finding.evidence and "[3, 197]" in finding.evidence
    assert "collapse to one class" in names(diagnose(history, predictions=1 - ones))
    three = np.array([2] * 97 + [0, 1, 0])
    assert "class 2" in only(diagnose(rows([1.1, 1.1]), predictions=three, num_classes=3),
                             "collapse to one class").evidence


def test_exactly_the_collapse_share_of_predictions_is_a_collapse():
    history = rows([0.5, 0.45], [0.5, 0.4])
    assert names(diagnose(history, predictions=np.array([1] * 19 + [0]))) == ["collapse to one class"]  # 95%
    assert diagnose(history, predictions=np.array([1] * 18 + [0, 0])) == []  # 90%
    assert COLLAPSE_SHARE == 0.95


def test_exactly_the_collapse_share_from_metrics_is_a_collapse():
    labels = [1] * 50 + [0] * 50
    exactly = rows([0.69], accuracy=[0.55], precision=[0.5 / 0.95], recall=[1.0])  # 95% answered positive
    assert "collapse to one class" in names(diagnose(exactly, labels=labels))
    short = rows([0.69], accuracy=[0.56], precision=[0.5 / 0.94], recall=[1.0])  # 94%
    assert "collapse to one class" not in names(diagnose(short, labels=labels))


def test_a_run_that_ends_collapsed_is_not_also_called_overfitting():
    history = rows([0.50, 0.40, 0.60], [0.6, 0.4, 0.2], accuracy=[0.7, 0.8, 0.5], precision=[0.7, 0.8, 0.5],
                   recall=[0.7, 0.8, 1.0])
    assert names(diagnose(history, eval_size=1000)) == ["collapse to one class"]
    history[-1].update(precision=0.5, recall=0.6)  # not collapsed: the same fall is overfitting
    assert names(diagnose(history, eval_size=1000)) == ["overfitting"]


def test_a_set_that_is_itself_one_class_cannot_show_a_collapse():
    labels = np.array([1] * 96 + [0] * 4)
    predictions = np.array([1] * 97 + [0] * 3)
    assert diagnose(rows([0.3, 0.25], [0.4, 0.3]), predictions=predictions, labels=labels) == []


def test_collapse_from_metrics_as_in_seed_001():
    history = rows([0.69, 0.70], [0.71, 0.70], accuracy=[0.5, 0.5], precision=[0.5, 0.5], recall=[1.0, 1.0])
    found = only(diagnose(history), "collapse to one class")
    assert "precision 0.500 and recall 1.000 mean that 100.0% of the predictions are class 1" in found.evidence


def test_a_good_model_that_finds_every_positive_is_not_collapsed():
    # review L05-3: recall 1.0 is not collapse when precision is far above the positive share
    history = rows([0.40, 0.30], [0.5, 0.3], accuracy=[0.90, 0.975], precision=[0.85, 0.947], recall=[0.95, 1.0])
    assert diagnose(history, labels=[1] * 72 + [0] * 88) == []


def test_a_collapse_a_few_predictions_short_of_total_is_still_one():
    # review L05-2: the dropout run, recall 0.986 and precision 0.446 on a 44%-positive set: 98% "positive"
    labels = [1] * 71 + [0] * 89
    history = rows([0.70, 0.70, 0.70, 0.70], [0.70, 0.69, 0.69, 0.68], accuracy=[0.444, 0.444, 0.45, 0.4875],
                   precision=[0.444, 0.444, 0.446, 0.4487], recall=[1.0, 1.0, 0.986, 0.986])
    found = diagnose(history, labels=labels)
    assert found[0].name == "collapse to one class" and found[0].epoch == 4.0
    assert "epochs 1, 2, 3, 4" in found[0].evidence
    # just under the collapse share: 94% of the predictions positive
    near = rows([0.70], [0.69], accuracy=[0.504], precision=[0.444 / 0.94], recall=[1.0])
    assert "collapse to one class" not in names(diagnose(near, labels=[1] * 444 + [0] * 556))


def test_collapse_to_the_negative_class_needs_the_class_shares():
    history = rows([0.70, 0.69], [0.70, 0.69], accuracy=[0.556, 0.556], precision=[0.0, 0.0], recall=[0.0, 0.0])
    labels = [1] * 71 + [0] * 89
    found = only(diagnose(history, labels=labels), "collapse to one class")
    assert "100.0% of the predictions are class 0" in found.evidence
    assert "collapse to one class" not in names(diagnose(history))  # precision 0/0: cannot tell without the shares
    # a few false positives and no true one: 6% of the predictions positive, not a collapse any more
    history[-1]["accuracy"] = 0.50
    assert names(diagnose(history, labels=labels))[0] == "temporary collapse"


def test_collapse_from_macro_scores_with_more_classes():
    # one class of three for everything: its recall 1, the others 0; only its precision (its share) is not 0
    collapsed = {"accuracy": 0.5, "macro_precision": 0.5 / 3, "macro_recall": 1 / 3, "macro_f1": (2 / 3) / 3}
    history = rows([1.05, 1.08], [1.0, 0.9], **{k: [0.6, v] for k, v in collapsed.items()})
    history[0].update(accuracy=0.7, macro_precision=0.68, macro_recall=0.66, macro_f1=0.67)
    labels = [0] * 30 + [1] * 50 + [2] * 20
    found = only(diagnose(history, num_classes=3, labels=labels), "collapse to one class")
    assert "class 1" in found.evidence
    assert "one class" in only(diagnose(history, num_classes=3), "collapse to one class").evidence
    history[1]["macro_precision"] = 0.45  # rare classes predicted, and right: not a collapse
    assert "collapse to one class" not in names(diagnose(history, num_classes=3, labels=labels))
    history[1].update(macro_precision=0.5 / 3, macro_recall=0.6)  # the other classes found: not one class either
    assert "collapse to one class" not in names(diagnose(history, num_classes=3, labels=labels))


def test_temporary_collapse_and_what_early_stopping_would_have_done():
    history = rows([0.70, 0.72, 0.60, 0.50], [0.69, 0.68, 0.55, 0.40], accuracy=[0.5, 0.5, 0.7, 0.78],
                   precision=[0.5, 0.5, 0.7, 0.77], recall=[1.0, 1.0, 0.7, 0.8])
    found = only(diagnose(history), "temporary collapse")
    assert found.epoch == 1.0 and "epochs 1, 2" in found.evidence and "left the collapse (epoch 3)" in found.evidence
    assert "stopped after epoch 2 and kept epoch 1" in found.evidence
    assert "larger patience" in found.try_next


def test_early_stopping_that_stops_at_the_recovery_is_not_said_to_stop_early():
    history = rows([0.70, 0.72, 0.60], [0.69, 0.68, 0.55], accuracy=[0.5, 0.5, 0.7],
                   precision=[0.5, 0.5, 0.7], recall=[1.0, 1.0, 0.7])
    assert early_stopping_outcome(history, patience=1)[0] == 1  # stops after the first collapsed row...
    history[1]["validation_loss"] = 0.69  # ...unless that row improves: then it stops at the recovery
    assert early_stopping_outcome(history, patience=1)[0] == 2
    assert "would have stopped" not in only(diagnose(history), "temporary collapse").evidence


def test_predictions_that_are_not_collapsed_overrule_a_collapsed_last_row():
    # the kept weights (early stopping) need not be the last row's
    history = rows([0.50, 0.45], [0.6, 0.5], accuracy=[0.8, 0.5], precision=[0.8, 0.5], recall=[0.8, 1.0])
    assert "collapse to one class" in names(diagnose(history))
    assert "collapse to one class" not in names(diagnose(history, predictions=np.array([0, 1] * 50)))


# ---- underfitting --------------------------------------------------------------------------------------------

def test_underfitting_when_loss_stays_near_chance():
    history = {"rows": rows([0.68], [0.69]), "train_losses": logged(0.70, 0.66, noise=0.01)}
    assert names(diagnose(history)) == ["underfitting"]
    three_classes = {"rows": rows([1.0], [1.05]), "train_losses": logged(1.1, 1.0)}
    assert names(diagnose(three_classes, num_classes=3)) == ["underfitting"]
    assert diagnose(three_classes, num_classes=30) == []  # 1.0 is far below ln(30)


def test_underfitting_from_the_validation_loss_alone_and_its_band():
    chance = math.log(2)
    inside = rows([chance * (1 - 0.99 * UNDERFIT_BAND), chance * (1 + 0.99 * UNDERFIT_BAND)])
    found = only(diagnose(inside), "underfitting")
    assert "within 10% of 0.693 = ln 2" in found.evidence and "at all 2 evaluations" in found.evidence
    learned_once = rows([chance * (1 - 1.01 * UNDERFIT_BAND), chance])
    assert "underfitting" not in names(diagnose(learned_once))
    confident_somewhere = rows([chance, chance * (1 + 1.01 * UNDERFIT_BAND)])
    assert "underfitting" not in names(diagnose(confident_somewhere))


def test_underfitting_by_the_final_training_loss_and_its_share():
    chance = math.log(2)
    assert names(diagnose(rows([0.5], [chance * UNDERFIT_SHARE * 1.01]))) == ["underfitting"]
    assert diagnose(rows([0.5], [chance * UNDERFIT_SHARE * 0.99])) == []


def test_fitting_the_training_set_while_validation_stays_at_chance_is_said():
    found = only(diagnose(rows([0.69, 0.70, 0.71], [0.6, 0.3, 0.1])), "underfitting")
    assert "nothing that carries over" in found.evidence


def test_a_rise_while_the_loss_stays_near_chance_is_underfitting_only():
    history = rows([0.64, 0.63, 0.75], [0.70, 0.66, 0.62], accuracy=[0.55, 0.60, 0.52])
    assert names(diagnose(history, eval_size=1000)) == ["underfitting"]


def test_a_run_that_never_learned_is_not_called_overfitting():
    # a learning rate 20x too high: validation loss wobbles up while nothing was learned
    history = {"rows": rows([0.7075, 0.7355], [0.76, 0.70], accuracy=[0.556, 0.444], precision=[0.44, 0.444],
                            recall=[1.0, 1.0]),
               "train_losses": logged(0.95, 0.70, noise=0.01)}
    assert names(diagnose(history, eval_size=160)) == ["collapse to one class", "underfitting"]


# ---- unstable loss -------------------------------------------------------------------------------------------

def test_unstable_loss_spikes_and_nans():
    losses = logged(0.69, 0.3)
    losses[12]["loss"] = 2.4
    history = {"rows": rows([0.5, 0.45], [0.5, 0.4]), "train_losses": losses}
    [finding] = diagnose(history)
    assert finding.name == "unstable loss" and "2.400 at log 12" in finding.evidence
    losses[12]["loss"] = math.nan
    assert names(diagnose(history)) == ["unstable loss"]


def test_an_epoch_without_a_logged_loss_is_not_instability():
    # HistoryCallback's row for an epoch with no logging step has train_loss NaN
    assert diagnose(rows([0.5, 0.42, 0.40], [math.nan, 0.4, 0.3])) == []


def test_noise_early_in_a_run_that_fits_well_is_not_instability():
    # noisy losses near 0.7 early, near 0 late (a global median would flag it)
    losses = [{"loss": v} for v in [0.69, 0.70, 0.68, 0.81, 0.66, 0.59, 0.45, 0.25, 0.10, 0.05, 0.03, 0.01, 0.01, 0.01]]
    history = {"rows": rows([0.70, 0.59, 0.94, 1.09], [0.69, 0.59, 0.25, 0.10], accuracy=[0.6, 0.72, 0.65, 0.62]),
               "train_losses": losses}
    assert names(diagnose(history, eval_size=1000)) == ["overfitting"]


# ---- inputs --------------------------------------------------------------------------------------------------

def test_a_history_callback_is_read_directly():
    from coursekit.lesson.training import HistoryCallback

    history = HistoryCallback()
    history.rows = overfit_rows(0.70)
    history.train_losses = [dict(entry, step=i, epoch=i / 5) for i, entry in enumerate(logged(0.69, 0.05))]
    assert names(diagnose(history, eval_size=1000)) == ["overfitting"]
    assert str(diagnose(history, eval_size=1000)[0]).startswith("overfitting: accuracy fell from 0.800")


def test_sizes_that_disagree_are_refused_with_a_hint():
    with pytest.raises(ValueError, match="^coursekit hint: .*different evaluation-set sizes"):
        diagnose(rows([0.5, 0.4]), labels=[0, 1] * 50, predictions=np.zeros(60, dtype=int))
    with pytest.raises(ValueError, match="^coursekit hint: labels is empty"):
        diagnose(rows([0.5, 0.4]), labels=[])
    assert diagnose(rows([0.5, 0.4]), labels=[0, 1] * 50, eval_size=100) == []


# ---- the seeds' own tables (../shared/seeds), as their model cards print them ----------------------

SEED_000 = [{"epoch": 0, "train_loss": 0.1262, "validation_loss": 0.0666},
            {"epoch": 1, "train_loss": 0.0380, "validation_loss": 0.0571},
            {"epoch": 2, "train_loss": 0.0232, "validation_loss": 0.0598}]
SEED_001 = [{"epoch": e, "validation_loss": v, "f1": f, "accuracy": a, "precision": p, "recall": r}
            for e, v, f, a, p, r in [(1, 0.6956, 0.6018, 0.5365, 0.5275, 0.7003), (2, 0.6986, 0.6667, 0.5, 0.5, 1.0),
                                     (3, 0.6983, 0.6667, 0.5, 0.5, 1.0), (4, 0.6830, 0.5235, 0.5636, 0.5764, 0.4795),
                                     (5, 0.6806, 0.6088, 0.5914, 0.5839, 0.6360)]]
SEED_003 = [{"epoch": 1.0, "train_loss": 0.9982, "validation_loss": 0.9436},
            {"epoch": 2.0, "train_loss": 0.7694, "validation_loss": 0.9356},
            {"epoch": 3.0, "train_loss": 0.5627, "validation_loss": 1.0122}]


def test_seed_000_a_small_rise_that_only_a_large_set_would_show():
    # Keras numbers epochs from 0: its "epoch 1" is the second epoch
    [finding] = diagnose(SEED_000)
    assert finding.name == "validation loss rises" and finding.epoch == 2
    assert "0.0571 (the 2nd epoch [epoch 1 counted from 0], its lowest)" in finding.evidence
    assert "+4.7%" in finding.evidence and "at least 1,789 examples" in finding.evidence
    assert "cannot tell overfitting" in finding.evidence
    assert diagnose(SEED_000, eval_size=1000) == []  # noise 6.3% on 1,000 examples
    assert names(diagnose(SEED_000, eval_size=2000)) == ["validation loss rises"]  # noise 4.5%


def test_seed_001_never_learned_and_collapsed_on_the_way():
    found = diagnose(SEED_001)  # no training losses, no set size in that card
    assert names(found) == ["temporary collapse", "underfitting"]
    collapse, underfitting = found
    assert collapse.epoch == 2 and "epochs 2, 3" in collapse.evidence and "class 1 (the positive class)" in collapse.evidence
    assert "never learned" in collapse.evidence and "left the collapse" not in collapse.evidence
    assert "stopped after epoch 2 and kept epoch 1" in collapse.evidence
    assert "lower learning rate with warmup" in collapse.try_next and "larger patience" not in collapse.try_next
    assert "between 0.6806 and 0.6986 at all 5 evaluations" in underfitting.evidence
    assert "the best accuracy is 0.5914" in underfitting.evidence  # accuracy, not the positive class's F1
    assert early_stopping_outcome(SEED_001, patience=1) == (1, 0)
    assert early_stopping_outcome(SEED_001, patience=3) == (4, 4)


def test_seed_001_checkpoint_kept_by_each_metric():
    # metric_for_best_model="f1" keeps a collapsed epoch (always-positive on a balanced set: F1 2/3)
    def kept(key):
        return early_stopping_outcome(SEED_001, patience=len(SEED_001), key=key, greater_is_better=True)[1]

    def macro_f1(row):
        c = binary_confusion(row["accuracy"], row["precision"], row["recall"])
        return (2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]) + 2 * c["tn"] / (2 * c["tn"] + c["fn"] + c["fp"])) / 2

    with_macro = [dict(row, macro_f1=macro_f1(row)) for row in SEED_001]
    assert SEED_001[kept("f1")]["epoch"] == 2
    assert SEED_001[kept("accuracy")]["epoch"] == 5
    assert with_macro[early_stopping_outcome(with_macro, patience=5, key="macro_f1", greater_is_better=True)[1]][
        "epoch"] == 5
    assert with_macro[1]["macro_f1"] == pytest.approx(1 / 3, abs=1e-3)


def test_seed_003_rising_qa_loss_cannot_be_attributed_from_losses_alone():
    [finding] = diagnose(SEED_003, num_classes=384)
    assert finding.name == "validation loss rises" and finding.epoch == 3.0
    assert "+8.2%" in finding.evidence and "at least 597 examples" in finding.evidence
    assert "cannot tell overfitting" in finding.evidence and "compute_metrics" in finding.try_next
    [sized] = diagnose(SEED_003, num_classes=384, eval_size=10_570)  # SQuAD v1.1's validation questions
    assert sized.name == "validation loss rises" and "beyond the noise of 1.9% on 10,570 examples" in sized.evidence
    with_f1 = [dict(row, f1=f1) for row, f1 in zip(SEED_003, [80.0, 84.0, 85.5])]
    assert names(diagnose(with_f1, num_classes=384, eval_size=10_570)) == ["over-confidence"]


def test_a_metric_below_its_lowest_loss_epoch_after_a_peak_at_a_higher_loss_is_overfitting():
    # the metric peaks at an epoch whose validation loss is above the last one, then ends below where it stood
    # at the lowest loss: the peak rule does not apply (the loss fell since the peak), yet predictions got worse
    history = rows([0.50, 0.60, 0.55], [0.5, 0.3, 0.1], accuracy=[0.70, 0.72, 0.60])
    finding = only(diagnose(history, eval_size=1000), "overfitting")
    assert "fell from 0.700 (epoch 1) to 0.600, by more than the noise" in finding.evidence
    assert finding.epoch == 2.0


# ---- boundaries and readings, table by table --------------------------------------------------------------------

def test_a_collapse_names_the_class_it_answers_when_it_can():
    positive = rows([0.50, 0.45], [0.6, 0.5], accuracy=[0.8, 0.5], precision=[0.8, 0.5], recall=[0.8, 1.0])
    negative = rows([0.70, 0.69], [0.70, 0.69], accuracy=[0.556, 0.556], precision=[0.0, 0.0], recall=[0.0, 0.0])
    three = rows([1.05, 1.08], [1.0, 0.9], accuracy=[0.7, 0.5], macro_precision=[0.68, 0.5 / 3],
                 macro_recall=[0.66, 1 / 3])
    cases = [  # history, options, what the learner is told the classifier answers
        (positive, {}, "answers class 1 (the positive class) whatever the input (collapsed at epoch 2)."),
        (negative, {"labels": [1] * 71 + [0] * 89}, "answers class 0 whatever the input"),
        (three, {"num_classes": 3, "labels": [0] * 30 + [1] * 50 + [2] * 20}, "answers class 1 whatever the input"),
        (three, {"num_classes": 3}, "answers one class whatever the input"),  # no labels: which one is unknown
    ]
    for history, options, answers in cases:
        assert answers in only(diagnose(history, **options), "collapse to one class").evidence
    assert "macro recall 0.333 (1/3) and macro precision 0.167" in only(
        diagnose(three, num_classes=3), "collapse to one class").evidence


def test_the_histogram_lists_every_class_and_labels_may_lack_one():
    predictions = np.full(100, 2)
    found = only(diagnose(rows([1.1, 1.1]), predictions=predictions, num_classes=3), "collapse to one class")
    assert "[0, 0, 100]" in found.evidence
    found = only(diagnose(rows([1.1, 1.1]), predictions=np.zeros(100, dtype=int), num_classes=3),
                 "collapse to one class")
    assert "[100, 0, 0]" in found.evidence  # the classes never predicted count as 0
    # the labels hold no class 2, which the model answers for everything
    found = only(diagnose(rows([1.1, 1.1]), predictions=predictions, num_classes=3, labels=[0, 1] * 50),
                 "collapse to one class")
    assert "100% of the predictions are class 2" in found.evidence


def test_a_set_at_the_collapse_share_of_one_class_shows_no_collapse():
    history = rows([0.3, 0.25], [0.4, 0.3])
    everything_one = np.ones(100, dtype=int)
    for positives, collapsed in [(95, False), (94, True)]:
        labels = [1] * positives + [0] * (100 - positives)
        found = names(diagnose(history, predictions=everything_one, labels=labels))
        assert ("collapse to one class" in found) is collapsed, positives
        # the same from the scores: every answer "positive", right on the positives
        scores = rows([0.3], accuracy=[positives / 100], precision=[positives / 100], recall=[1.0])
        assert ("collapse to one class" in names(diagnose(scores, labels=labels))) is collapsed, positives
    # a near-perfect classifier whose table rounds to 4 decimals: the scores solve to a 99.99%-positive set
    near_perfect = rows([0.01], accuracy=[0.9999], precision=[0.9999], recall=[1.0])
    assert diagnose(near_perfect) == []
    assert diagnose(rows([0.01], accuracy=[1.0], precision=[0.9999], recall=[1.0])) == []


def test_scores_that_fix_no_confusion_matrix():
    # a table rounds: recall or precision 0 means (nearly) no true positive, so without the shares no matrix
    assert binary_confusion(0.5, 0.0, 1.0) is None
    assert binary_confusion(0.5, 0.5, 0.0) is None
    # accuracy 1 (0.99996 rounded) or precision and recall 1 fix no share, whatever the other scores read
    assert binary_confusion(1.0, 0.9999, 1.0) is None
    assert binary_confusion(0.9999, 1.0, 1.0) is None
    # no true positive, yet more right than the negatives: these scores do not fit the shares given
    assert binary_confusion(0.7, 0.0, 0.0, positive_share=0.5) is None
    assert "collapse to one class" not in names(
        diagnose(rows([0.6], accuracy=[0.7], precision=[0.0], recall=[0.0]), labels=[0, 1] * 50))


def test_collapse_from_macro_scores_at_the_tolerance_and_with_two_classes():
    tolerance = 1 - COLLAPSE_SHARE
    at = rows([1.3], accuracy=[0.5], macro_precision=[(0.5 + tolerance) / 4], macro_recall=[(1 + tolerance) / 4])
    assert "collapse to one class" in names(diagnose(at, num_classes=4))  # the tolerance counts, as the share does
    beyond = rows([1.3], accuracy=[0.5], macro_precision=[0.5 / 4], macro_recall=[(1 + 1.01 * tolerance) / 4])
    assert "collapse to one class" not in names(diagnose(beyond, num_classes=4))
    beyond = rows([1.3], accuracy=[0.5], macro_precision=[(0.5 + 1.01 * tolerance) / 4], macro_recall=[0.25])
    assert "collapse to one class" not in names(diagnose(beyond, num_classes=4))
    # two classes scored by macro averages only (no precision and recall of class 1)
    binary = rows([0.5, 0.69], [0.6, 0.5], accuracy=[0.8, 0.6], macro_precision=[0.8, 0.3], macro_recall=[0.8, 0.5])
    assert names(diagnose(binary)) == ["collapse to one class"]


def test_keras_epochs_read_as_english_ordinals():
    # the lowest validation loss at the row counted `index` from 0, a rise after it
    for index, ordinal in [(0, "1st"), (1, "2nd"), (2, "3rd"), (3, "4th"), (10, "11th"), (11, "12th"),
                           (12, "13th"), (19, "20th"), (20, "21st"), (21, "22nd"), (22, "23rd"), (100, "101st"),
                           (110, "111th"), (111, "112th"), (112, "113th"), (121, "122nd")]:
        history = [{"epoch": i, "validation_loss": 0.5 if i == index else 0.6} for i in range(index + 2)]
        [finding] = diagnose(history)
        assert f"(the {ordinal} epoch [epoch {index} counted from 0], its lowest)" in finding.evidence


def test_early_stopping_outcome_follows_trainers_callback():
    losses = lambda *values: [{"validation_loss": v} for v in values]  # noqa: E731
    cases = [  # rows, patience (None: the default), (stop, kept)
        (losses(0.5, 0.6, 0.4), None, (1, 0)),  # Trainer's default patience is 1
        (losses(0.5, 0.5, 0.4), 1, (1, 0)),  # an equal loss is no improvement
        (losses(0.5, 0.4, 0.45, 0.3, 0.35, 0.36), 2, (5, 3)),  # an improvement starts the count again
        (losses(0.5, 0.6, 0.7, 0.3), 2, (2, 0)),  # two evaluations in a row without one
        (losses(0.5, 0.4, 0.3), 1, (2, 2)),  # never stops: the last row, the best one
    ]
    for history, patience, expected in cases:
        got = early_stopping_outcome(history) if patience is None else early_stopping_outcome(history, patience)
        assert got == expected, (history, patience)


def test_a_perfect_score_is_a_share_and_holding_it_is_not_a_fall():
    history = rows([0.50, 0.30, 0.60], [0.6, 0.4, 0.2], accuracy=[0.90, 1.0, 1.0])
    [finding] = diagnose(history, eval_size=1000)
    assert finding.name == "over-confidence" and finding.epoch == 3.0  # the epoch after the lowest loss
    assert "accuracy went from 1.000 to 1.000, within the noise of 0.000" in finding.evidence


def test_percentages_are_judged_in_percentage_points():
    # SQuAD scores: a drop of one point is within the noise of 1.6 points on 2,000 questions
    qa = rows([0.90, 0.80, 1.00], [0.99, 0.77, 0.56], f1=[80.0, 86.0, 85.0])
    [finding] = diagnose(qa, num_classes=384, eval_size=2000)
    assert finding.name == "over-confidence" and "within the noise of 1.6" in finding.evidence
    # a score above 1 can only be a percentage, even a low one early in training
    early = rows([0.90, 0.80, 1.00], [0.99, 0.77, 0.56], exact_match=[0.5, 1.5, 1.2])
    [finding] = diagnose(early, num_classes=384, eval_size=1000)
    assert finding.name == "over-confidence" and "exact_match went from 1.5 to 1.2" in finding.evidence
    # without the set's size, the size that would make the change count
    [finding] = diagnose(rows([0.90, 0.80, 1.00], [0.99, 0.77, 0.56], f1=[80.0, 84.0, 81.0]), num_classes=384)
    assert "f1 went from 84.0 to 81.0, a change beyond noise only on at least 598 examples (then: overfitting)" \
        in finding.evidence  # 4 * 0.84 * 0.16 / 0.03^2 = 597.3


def test_without_the_size_the_metric_says_which_reading_a_real_rise_would_have():
    def evidence(last_accuracy):
        [finding] = diagnose(rows([0.45, 0.41, 0.58], [0.55, 0.30, 0.04], accuracy=[0.70, 0.80, last_accuracy]))
        return finding.evidence

    assert "accuracy went from 0.800 to 0.830, a change beyond noise only on at least 712 examples (then: " \
           "over-confidence)" in evidence(0.83)  # 4 * 0.8 * 0.2 / 0.03^2 = 711.1
    assert "(then: overfitting)" in evidence(0.79)
    assert "accuracy stayed at 0.800 (if the rise is real: over-confidence)" in evidence(0.80)
    assert evidence(0.80).startswith("validation loss rose from 0.41 (epoch 2, its lowest) to 0.58")


def test_the_rise_states_what_the_training_loss_did_and_unknown_counts_as_fallen():
    val = [0.50, 0.40, 0.60]
    [finding] = diagnose(rows(val, [0.6, 0.4, 0.2]), eval_size=1000)
    assert finding.evidence.startswith("validation loss rose from 0.4 (epoch 2, its lowest) to 0.6 (epoch 3, +50.0%)")
    assert "on 1,000 examples while the training loss fell from 0.4 to 0.2." in finding.evidence
    # no loss logged in the last epoch: the rise is still reported, with no training loss to state
    [finding] = diagnose(rows(val, [0.6, 0.4, math.nan]), eval_size=1000)
    assert "on 1,000 examples. Without a metric" in finding.evidence
    assert diagnose(rows(val, [0.6, 0.4, 0.4]), eval_size=1000) == []  # a flat training loss did not fall
    # two evaluations are enough to see a rise
    assert names(diagnose(rows([0.40, 0.60], [0.5, 0.3]), eval_size=1000)) == ["validation loss rises"]


def test_a_rise_of_exactly_the_noise_is_noise():
    # 16 examples: noise 2 / sqrt(16) = 50%, a rise from 0.5 to 0.75 exactly
    assert diagnose(rows([0.60, 0.50, 0.75], [0.6, 0.4, 0.2]), eval_size=16) == []
    assert names(diagnose(rows([0.60, 0.50, 0.76], [0.6, 0.4, 0.2]), eval_size=16)) == ["validation loss rises"]


def test_a_validation_loss_back_at_its_lowest_is_no_rise_whatever_the_metric_did():
    history = rows([0.50, 0.40, 0.45, 0.40], [0.6, 0.4, 0.3, 0.2], accuracy=[0.70, 0.90, 0.80, 0.60])
    assert diagnose(history, eval_size=1000) == []


def test_histories_in_every_form():
    assert diagnose({}) == []
    assert diagnose({"rows": rows([0.50, 0.42, 0.40])}) == []  # a model card's table, no logged losses
    assert diagnose({"train_losses": logged(0.69, 0.3)}, metric="accuracy") == []  # logged, not yet evaluated
    # a metric the rows do not have is judged as none
    history = rows([0.50, 0.40, 0.60], [0.6, 0.4, 0.2], accuracy=[0.70, 0.74, 0.82])
    assert names(diagnose(history, eval_size=1000, metric="f1")) == ["validation loss rises"]
    assert "the best accuracy is 0.52" in only(diagnose(rows([0.69], accuracy=[0.52]), metric="accuracy"),
                                               "underfitting").evidence


# ---- underfitting and instability: their boundaries -------------------------------------------------------

def test_underfitting_reads_the_final_logged_loss_and_the_labels_classes():
    at_chance = [{"loss": v} for v in [0.9, 0.8, 0.7, 0.69]]
    found = only(diagnose({"rows": rows([0.45, 0.40]), "train_losses": at_chance}), "underfitting")
    assert "the final training loss is 0.690, still close to 0.693" in found.evidence
    assert "carries over" not in found.evidence
    fell_last = [{"loss": v} for v in [0.9, 0.8, 0.69, 0.3]]
    assert diagnose({"rows": rows([0.45, 0.40]), "train_losses": fell_last}) == []
    # labels of three classes: chance is ln 3, whatever num_classes says
    found = only(diagnose(rows([1.09, 1.08]), labels=[0, 1, 2] * 20), "underfitting")
    assert "the validation loss stayed between 1.08 and 1.09 at all 2 evaluations" in found.evidence
    assert "= ln 3" in found.evidence
    assert "the validation loss stayed 0.68, within 10%" in only(diagnose(rows([0.68])), "underfitting").evidence


def test_underfitting_at_exactly_its_thresholds():
    chance = math.log(32)  # 32 classes: ln 32 plus 10% is exact in floating point
    assert "underfitting" in names(diagnose(rows([chance + UNDERFIT_BAND * chance]), num_classes=32))
    assert "underfitting" in names(diagnose(rows([0.5], [UNDERFIT_SHARE * math.log(2)])))


def test_spikes_are_judged_against_the_median_of_the_first_three_logs():
    def unstable(values):
        return "unstable loss" in names(diagnose({"rows": rows([0.5]), "train_losses": [{"loss": v} for v in values]}))

    assert unstable([0.7, 0.7, 0.7, 1.2])  # four logs are enough: three set the start, the fourth jumps
    assert unstable([0.6, 0.7, 0.8, 1.1])  # start 0.7 (the median of three), 1.1 > 1.05
    assert unstable([0.2, 0.2, 0.2, 0.5])  # a low start: 0.5 > 0.3
    assert not unstable([0.2, 0.2, 0.2, 0.3])  # 1.5 times the start is not yet above it
    assert not unstable([0.0, 0.0, 0.0, 0.0])  # a loss already 0 does not jump
    assert not unstable([0.7, 0.7, 1.2])  # three logs: no start to compare with
    # a model card's per-epoch training losses, when no logs are given
    assert "unstable loss" in names(diagnose(rows([0.6, 0.55, 0.5, 0.5], [0.30, 0.25, 0.20, 0.9])))
