"""diagnose() on synthetic histories: one per finding, and a healthy run that yields none."""

import math

import numpy as np

from coursekit.lesson.diagnose import diagnose


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
    assert "0.410 (epoch 2, its best) to 0.580 (epoch 4)" in finding.evidence
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
