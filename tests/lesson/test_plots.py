"""The lessons' plots draw what their data says (counts, bars, one line per run), on closed figures."""

from types import SimpleNamespace

import matplotlib.pyplot as plt

import coursekit


def test_confusion_matrix_writes_each_count_and_its_share_of_the_true_class():
    fig = coursekit.plot_confusion_matrix([0, 0, 0, 1], [0, 1, 1, 1], ["negative", "positive"])
    ax = fig.axes[0]
    texts = [text.get_text() for text in ax.texts]
    assert texts == ["1\n33%", "2\n67%", "0\n0%", "1\n100%"]  # rows: true classes, columns: predicted
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["negative", "positive"]
    assert not plt.get_fignums()  # closed: a cell shows it once


def test_class_histogram_has_one_bar_per_class_even_when_one_is_never_predicted():
    fig = coursekit.plot_class_histogram([1, 1, 1], ["negative", "positive"])
    assert [bar.get_height() for bar in fig.axes[0].patches] == [0, 3]


def test_runs_get_one_line_each_in_both_panels():
    rows = [{"epoch": 1, "validation_loss": 0.7, "accuracy": 0.5}, {"epoch": 2, "validation_loss": 0.6, "accuracy": 0.6}]
    fig = coursekit.plot_runs({"a": SimpleNamespace(rows=rows), "b": SimpleNamespace(rows=rows)})
    loss_ax, accuracy_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["a", "b"]
    assert list(accuracy_ax.get_lines()[1].get_ydata()) == [0.5, 0.6]


def test_weight_change_has_a_bar_per_block():
    fig = coursekit.plot_weight_change({"embeddings": 0.01, "layer 0": 0.02, "classifier": 0.5})
    assert len(fig.axes[0].patches) == 3


def test_weight_change_legend_names_each_colour_used():
    fig = coursekit.plot_weight_change({"embeddings": 0.01, "layer 1": 0.02, "pooler": 0.2, "head": 0.5})
    ax = fig.axes[0]
    legend = {text.get_text() for text in ax.get_legend().get_texts()}
    assert legend == {"from the checkpoint (pretrained)", "head: new, started from random weights"}
    colours = {tuple(bar.get_facecolor()) for bar in ax.patches}
    handles = {tuple(handle.get_facecolor()) for handle in ax.get_legend().legend_handles}
    assert colours == handles  # every colour drawn has its legend entry
    fig = coursekit.plot_weight_change({"embeddings": 0.01, "layer 1": 0.02})
    assert [text.get_text() for text in fig.axes[0].get_legend().get_texts()] == ["from the checkpoint (pretrained)"]
