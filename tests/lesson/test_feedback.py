"""Feedback as HTML: the same words as its plain text, tones told apart by colour and mark, code kept as
code, a learner's text escaped, and the plain text kept for nbval and terminals."""

import html
import re
from html.parser import HTMLParser

import pytest

from coursekit.lesson.feedback import NOTE, RIGHT, TONES, WRONG, Feedback, inline, show_feedback


class Reader(HTMLParser):
    """The text a browser would show (block elements as line breaks), and the text inside <code> and <pre>."""

    def __init__(self):
        super().__init__()
        self.parts, self.code, self.inside_code = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("div", "pre") and self.parts:
            self.parts.append("\n")
        self.inside_code += tag in ("code", "pre")

    def handle_endtag(self, tag):
        self.inside_code -= tag in ("code", "pre")

    def handle_data(self, data):
        self.parts.append(data)
        if self.inside_code:
            self.code.append(data)


def read(markup):
    reader = Reader()
    reader.feed(markup)
    return reader


def shown_text(markup):
    return re.sub(r"[ \n]+", " ", "".join(read(markup).parts)).strip()


def plain(text):
    return re.sub(r"\s+", " ", text).strip()


REPORT = Feedback(WRONG, "[NOT YET] The epoch early stopping would keep",
                  "best_epoch(rows): a run that overfits after epoch 2\n"
                  "  input:    rows = [{'epoch': 1.0, 'validation_loss': 0.72}]\n"
                  "  expected: 2.0\n  got:      1.0\n"
                  "hint: Early stopping keeps the evaluation with the lowest validation loss.", joiner="\n")


@pytest.mark.parametrize("feedback", [
    Feedback(RIGHT, "Correct!", "The [CLS] vector feeds the head."),
    Feedback(WRONG, "Not quite, try again.", "Hint: think of what pretraining never saw.", "practice"),
    Feedback(NOTE, "Pick an answer first, then press Check."),
    REPORT,
], ids=["right", "wrong-practice", "note", "report"])
def test_html_shows_the_same_words_as_the_plain_text(feedback):
    mark = TONES[feedback.tone][0]
    shown = shown_text(feedback.html())
    assert shown.startswith(mark + " ")
    assert plain(shown.removeprefix(mark + " ")) == plain(feedback.text)


def test_tones_differ_in_colour_and_mark_and_the_box_carries_its_tone():
    marks = {TONES[tone][0] for tone in TONES}
    colours = {TONES[tone][1] for tone in TONES}
    assert len(marks) == len(colours) == 3
    for tone in TONES:
        markup = Feedback(tone, "title").html()
        assert f"coursekit-feedback-{tone}" in markup and TONES[tone][1] in markup and TONES[tone][0] in markup


def test_prose_wraps_at_spaces_and_never_inside_a_word():
    markup = REPORT.html()
    outer_style = re.match(r'<div class="[^"]*" style="([^"]*)"', markup).group(1)
    assert "white-space: normal" in outer_style and "word-break: normal" in outer_style
    assert "break-all" not in markup and "anywhere" not in markup


def test_indented_lines_are_one_code_block_and_code_words_are_code():
    reader = read(REPORT.html())
    code = "".join(reader.code)
    assert "input:    rows = [{'epoch': 1.0, 'validation_loss': 0.72}]\nexpected: 2.0\ngot:      1.0" in code
    assert REPORT.html().count("<pre") == 1
    assert "best_epoch(rows)" in code
    assert "Early stopping" not in code  # the hint is prose


@pytest.mark.parametrize("text,code", [
    ("use `Trainer(args=args)` here", ["Trainer(args=args)"]),
    ("the validation_loss column and word_ids() of model.train()", ["validation_loss", "word_ids()", "model.train()"]),
    ("e.g. 0.5, i.e. a share; the [CLS] vector; 1.5 or 15", []),
])
def test_inline_code(text, code):
    assert read(inline(text)).code == code
    assert shown_text(inline(text)) == text.replace("`", "")


def test_a_learners_text_is_escaped_and_not_typeset():
    feedback = Feedback(WRONG, "[NOT YET] x", "  got:      '<script>alert(1)</script>' $x^2$ & <b>", joiner="\n")
    markup = feedback.html()
    assert "<script>" not in markup and "<b>" not in markup
    assert html.escape("<script>alert(1)</script>", quote=False) in markup
    assert "tex2jax_ignore" in markup and "mathjax_ignore" in markup  # MathJax 2 (Colab) and 3 (JupyterLab)


def test_unknown_tone_is_refused():
    with pytest.raises(ValueError, match="tone must be one of"):
        Feedback("green", "x")


def test_show_feedback_prints_the_plain_text_outside_a_notebook(capsys):
    shown = show_feedback(RIGHT, "[PASSED] Count the trainable parameters", "All checks pass (3 visible, 5 hidden).")
    assert capsys.readouterr().out == "[PASSED] Count the trainable parameters\nAll checks pass (3 visible, 5 hidden).\n"
    assert shown.text + "\n" == "[PASSED] Count the trainable parameters\nAll checks pass (3 visible, 5 hidden).\n"


def test_in_a_notebook_it_is_html_with_the_plain_text_beside_it():
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(REPORT)
    assert data["text/plain"] == REPORT.text  # what nbval compares, unchanged from the printed report
    assert data["text/html"] == REPORT.html()
