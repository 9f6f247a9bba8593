"""diagnose() on synthetic histories: one per finding, and a healthy run that yields none."""

import math

import numpy as np

from coursekit.lesson.diagnose import diagnose, early_stopping_outcome


def rows(val_losses, train_losses, **metrics):
    out = []
    for i, (val, train) in enumerate(zip(val_losses, train_losses)):
        row = {"epoch": float(i + 1), "step": 100 * (i + 1), "train_loss": train, "validation_loss": val}
        row.update({name: values[i] for name, values in metrics.items()})
        out.append(row)
    return out


def logged(start, end, count=20, noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    return [{"loss": float(v)} for v in np.linspace(start, end, count) + rng.normal(0, noise, count)]


def names(findings):
    return [f.name for f in findings]


def test_healthy_run_has_no_findings():
    history = {"rows": rows([0.50, 0.42, 0.40], [0.60, 0.40, 0.33], accuracy=[0.75, 0.80, 0.82],
                            recall=[0.8, 0.83, 0.85], precision=[0.76, 0.8, 0.81]),
               "train_losses": logged(0.69, 0.3)}
    assert diagnose(history) == []


def test_overfitting_names_the_epoch_it_starts():
    history = {"rows": rows([0.45, 0.41, 0.47, 0.58], [0.55, 0.30, 0.12, 0.04]), "train_losses": logged(0.69, 0.05)}
    [finding] = diagnose(history)
    assert finding.name == "overfitting"
    assert finding.epoch == 3.0
    assert "0.41 (epoch 2, its best) to 0.58 (epoch 4, +41.5%)" in finding.evidence
    assert "load_best_model_at_end" in finding.try_next


def test_small_wobble_is_not_overfitting():
    history = {"rows": rows([0.45, 0.41, 0.415], [0.55, 0.30, 0.2]), "train_losses": logged(0.69, 0.2)}
    assert diagnose(history) == []


def test_collapse_from_predictions():
    predictions = np.ones(200, dtype=int)
    predictions[:3] = 0
    history = {"rows": rows([0.69, 0.69], [0.70, 0.69]), "train_losses": logged(0.70, 0.69, noise=0.005)}
    found = diagnose(history, predictions=predictions)
    assert names(found)[0] == "collapse to one class"
    assert "98% of the predictions are class 1" in found[0].evidence
    assert "[3, 197]" in found[0].evidence


def test_collapse_from_metrics_as_in_seed_001():
    history = rows([0.69, 0.70], [0.71, 0.70], accuracy=[0.5, 0.5], precision=[0.5, 0.5], recall=[1.0, 1.0])
    found = diagnose(history)
    assert "collapse to one class" in names(found)
    assert "recall is 1.00 and precision 0.50" in found[names(found).index("collapse to one class")].evidence


def test_underfitting_when_loss_stays_near_chance():
    history = {"rows": rows([0.68], [0.69]), "train_losses": logged(0.70, 0.66, noise=0.01)}
    assert names(diagnose(history)) == ["underfitting"]
    three_classes = {"rows": rows([1.0], [1.05]), "train_losses": logged(1.1, 1.0)}
    assert names(diagnose(three_classes, num_classes=3)) == ["underfitting"]
    assert diagnose(three_classes, num_classes=30) == []  # 1.0 is far below ln(30)


def test_unstable_loss_spikes_and_nans():
    losses = logged(0.69, 0.3)
    losses[12]["loss"] = 2.4
    history = {"rows": rows([0.5, 0.45], [0.5, 0.4]), "train_losses": losses}
    [finding] = diagnose(history)
    assert finding.name == "unstable loss" and "2.400 at log 12" in finding.evidence
    losses[12]["loss"] = math.nan
    assert names(diagnose(history)) == ["unstable loss"]


def test_noise_early_in_a_run_that_fits_well_is_not_instability():
    # a real overfitting run: noisy losses near 0.7 early, near 0 late (a global median would flag it)
    losses = [{"loss": v} for v in [0.69, 0.70, 0.68, 0.81, 0.66, 0.59, 0.45, 0.25, 0.10, 0.05, 0.03, 0.01, 0.01, 0.01]]
    history = {"rows": rows([0.70, 0.59, 0.94, 1.09], [0.69, 0.59, 0.25, 0.10]), "train_losses": losses}
    assert names(diagnose(history)) == ["overfitting"]


def test_a_history_callback_is_read_directly():
    from coursekit.lesson.training import HistoryCallback

    history = HistoryCallback()
    history.rows = rows([0.45, 0.41, 0.47, 0.58], [0.55, 0.30, 0.12, 0.04])
    history.train_losses = [dict(entry, step=i, epoch=i / 5) for i, entry in enumerate(logged(0.69, 0.05))]
    assert names(diagnose(history)) == ["overfitting"]
    assert str(diagnose(history)[0]).startswith("overfitting: validation loss rose")


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


def test_seed_000_small_rise_is_a_first_sign_of_overfitting():
    [finding] = diagnose(SEED_000)
    assert finding.name == "overfitting" and finding.epoch == 2
    assert "+4.7%" in finding.evidence and "first sign" in finding.evidence


def test_seed_001_temporary_collapse_and_what_early_stopping_would_have_done():
    [finding] = diagnose(SEED_001)  # no training losses in that card: nothing else to say
    assert finding.name == "temporary collapse" and finding.epoch == 2
    assert "epochs 2, 3" in finding.evidence and "the positive class" in finding.evidence
    assert "stopped after epoch 2 and kept epoch 1, missing the recovery" in finding.evidence
    assert early_stopping_outcome(SEED_001, patience=1) == (1, 0)
    assert early_stopping_outcome(SEED_001, patience=2) == (2, 0)
    assert early_stopping_outcome(SEED_001, patience=3) == (4, 4)  # patience 3 sees the recovery


def test_seed_003_rising_qa_loss_is_overfitting_without_a_metric():
    [finding] = diagnose(SEED_003, num_classes=128)
    assert finding.name == "overfitting" and "+8.2%" in finding.evidence
    assert "task's metric" in finding.try_next


def test_a_rising_loss_with_a_still_improving_metric_is_named_as_such():
    history = rows([0.94, 0.93, 1.01], [0.99, 0.77, 0.56], f1=[80.1, 84.0, 85.2], exact_match=[70.0, 75.1, 77.0])
    [finding] = diagnose(history, num_classes=128)
    assert finding.name == "validation loss rises, metric improves"
    assert "f1 keeps improving to epoch 3" in finding.evidence
    assert "metric_for_best_model='f1'" in finding.try_next
    [by_em] = diagnose(history, num_classes=128, metric="exact_match")
    assert "exact_match keeps improving" in by_em.evidence
    assert names(diagnose(history, num_classes=128, metric=None)) == ["overfitting"]


def test_a_metric_that_peaks_with_the_loss_is_still_overfitting():
    history = rows([0.45, 0.41, 0.47, 0.58], [0.55, 0.30, 0.12, 0.04], f1=[0.70, 0.80, 0.78, 0.76])
    assert names(diagnose(history)) == ["overfitting"]


def test_a_collapse_early_stopping_recovers_from_is_not_called_a_loss():
    # the course's own baseline: collapsed at epoch 1, recovered at 2, overfit after; patience 1 keeps epoch 2
    history = rows([0.7205, 0.5797, 0.890, 0.963], [0.686, 0.588, 0.264, 0.123], accuracy=[0.444, 0.725, 0.65, 0.669],
                   precision=[0.444, 0.685, 0.573, 0.594], recall=[1.0, 0.704, 0.831, 0.803])
    collapse, overfit = diagnose(history, metric="accuracy")
    assert collapse.name == "temporary collapse" and "missing the recovery" not in collapse.evidence
    assert overfit.name == "overfitting"


def test_a_run_that_never_learned_is_not_called_overfitting():
    # the lesson's learning rate 20x too high: validation loss wobbles up while nothing was learned
    history = {"rows": rows([0.7075, 0.7355], [0.76, 0.70], precision=[0.44, 0.44], recall=[1.0, 1.0]),
               "train_losses": logged(0.95, 0.70, noise=0.01)}
    assert names(diagnose(history)) == ["collapse to one class", "underfitting"]


# ---- boundaries (the test-suite audit's surviving mutants M2, S1, S2) ------------------------------

def test_validation_and_training_loss_both_rising_is_not_overfitting():
    # M2: the guard "training loss must have fallen"; both rising at the end is instability
    history = rows([0.40, 0.35, 0.45], [0.30, 0.25, 0.28])
    assert diagnose(history) == []
    assert names(diagnose(rows([0.40, 0.35, 0.45], [0.30, 0.25, 0.20]))) == ["overfitting"]


def test_exactly_the_collapse_share_of_predictions_is_a_collapse():
    # S1: COLLAPSE_SHARE is "at least": 19 of 20 is 95%
    history = rows([0.5, 0.45], [0.5, 0.4])
    at_share = np.array([1] * 19 + [0])
    assert names(diagnose(history, predictions=at_share)) == ["collapse to one class"]
    assert diagnose(history, predictions=np.array([1] * 18 + [0, 0])) == []  # 90%


def test_early_stopping_that_stops_at_the_recovery_does_not_miss_it():
    # S2: stop == recovered: patience 1 evaluates the recovered epoch, so nothing is missed
    history = rows([0.70, 0.72, 0.60], [0.69, 0.68, 0.55], accuracy=[0.5, 0.5, 0.7],
                   precision=[0.5, 0.5, 0.7], recall=[1.0, 1.0, 0.7])
    assert early_stopping_outcome(history, patience=1)[0] == 1  # stops after the first collapsed row...
    history[1]["validation_loss"] = 0.69  # ...unless that row improves: then it stops at the recovery
    assert early_stopping_outcome(history, patience=1)[0] == 2  # the recovered row
    [finding] = [f for f in diagnose(history) if f.name == "temporary collapse"]
    assert "missing the recovery" not in finding.evidence
