"""Plots a learner would rather look at than read: learning curves and a confusion matrix.

Each function returns a closed matplotlib Figure, so a notebook cell that ends with the call
shows it exactly once.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

_IGNORED = {"epoch", "step", "train_loss", "validation_loss"}


def plot_learning_curves(history, title: str = "Learning curves"):
    """Training loss per logged step and validation loss per epoch (left), validation metrics (right).

    history: a coursekit HistoryCallback after training. title: the figure's title.
    """
    fig, (loss_ax, metric_ax) = plt.subplots(1, 2, figsize=(11, 3.8))
    train = [(entry["epoch"], entry["loss"]) for entry in history.train_losses]
    if train:
        loss_ax.plot(*zip(*train), label="training loss", color="tab:blue", alpha=0.8)
    epochs = [row["epoch"] for row in history.rows]
    loss_ax.plot(epochs, [row["validation_loss"] for row in history.rows], "o-",
                 label="validation loss", color="tab:orange")
    loss_ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    loss_ax.legend()
    metric_names = [key for key in (history.rows[0] if history.rows else {}) if key not in _IGNORED]
    for name in metric_names:
        metric_ax.plot(epochs, [row[name] for row in history.rows], "o-", label=name)
    metric_ax.set(xlabel="epoch", title="Validation metrics")
    if metric_names:
        metric_ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_confusion_matrix(references, predictions, label_names, title: str = "Confusion matrix"):
    """A confusion matrix with counts and row percentages: rows are true classes, columns predicted.

    references, predictions: integer class ids. label_names: the class names, in id order.
    """
    size = len(label_names)
    counts = np.zeros((size, size), dtype=int)
    for true, pred in zip(np.asarray(references).ravel(), np.asarray(predictions).ravel()):
        counts[true, pred] += 1
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1.6 * size + 2.4, 1.4 * size + 1.6))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(size):
        for j in range(size):
            ax.text(j, i, f"{counts[i, j]}\n{shares[i, j]:.0%}", ha="center", va="center",
                    color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xticks(range(size), label_names)
    ax.set_yticks(range(size), label_names)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.colorbar(image, ax=ax, fraction=0.046, label="share of the true class")
    fig.tight_layout()
    plt.close(fig)
    return fig


# plot_weight_change's bar colours and what each means (its legend)
WEIGHT_CHANGE_COLOURS = {"pretrained": ("tab:blue", "from the checkpoint (pretrained)"),
                         "head": ("tab:orange", "head: new, started from random weights")}


def plot_weight_change(relative_change: dict[str, float], title: str = "How far fine-tuning moved each block"):
    """Bars of relative weight change per block (embeddings, layer 1..N, pooler, head), in order given.

    relative_change: block name -> ||after - before|| / ||before||.
    """
    names = list(relative_change)
    values = [100 * relative_change[name] for name in names]
    colors = [WEIGHT_CHANGE_COLOURS["head" if name == "head" else "pretrained"][0] for name in names]
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(names) + 2), 3.6))
    bars = ax.bar(names, values, color=colors)
    ax.bar_label(bars, fmt="%.1f%%", fontsize=8)
    ax.margins(y=0.15)  # room for the tallest bar's label
    shown = {"head" if name == "head" else "pretrained" for name in names}  # a legend entry per colour used
    ax.legend(handles=[Patch(color=colour, label=label) for kind, (colour, label) in WEIGHT_CHANGE_COLOURS.items()
                       if kind in shown], fontsize=8)
    ax.set(ylabel="relative change (%)", title=title)
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_runs(histories: dict, title: str = "Validation loss per epoch, run by run"):
    """Validation loss (left) and accuracy (right) per epoch for several runs on shared axes.

    histories: run name -> HistoryCallback (or anything with `.rows` as HistoryCallback records).
    """
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 4))
    for i, (name, history) in enumerate(histories.items()):
        # runs that coincide (a fix that changed nothing) stay visible: later lines are thinner and dashed
        style = {"linestyle": ["-", "--", ":", "-."][i % 4], "marker": "osD^v<>p"[i % 8],
                 "linewidth": max(3.5 - 0.4 * i, 1.0), "markersize": max(8 - i, 4), "alpha": 0.85}
        epochs = [row["epoch"] for row in history.rows]
        line, = loss_ax.plot(epochs, [row["validation_loss"] for row in history.rows], label=name, **style)
        if history.rows and "accuracy" in history.rows[0]:
            acc_ax.plot(epochs, [row["accuracy"] for row in history.rows], color=line.get_color(), **style)
    loss_ax.set(xlabel="epoch", ylabel="validation loss", title="Validation loss")
    acc_ax.set(xlabel="epoch", ylabel="validation accuracy", title="Validation accuracy")
    loss_ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_class_histogram(predictions, label_names, title: str = "Predicted classes"):
    """Bars of how often each class was predicted: one towering bar means collapse.

    predictions: integer class ids. label_names: the class names, in id order.
    """
    counts = np.bincount(np.asarray(predictions).astype(int).ravel(), minlength=len(label_names))
    fig, ax = plt.subplots(figsize=(1.2 * len(label_names) + 2.5, 3))
    bars = ax.bar(label_names, counts, color="tab:purple")
    ax.bar_label(bars)
    ax.set(ylabel="predictions", title=title)
    fig.tight_layout()
    plt.close(fig)
    return fig
