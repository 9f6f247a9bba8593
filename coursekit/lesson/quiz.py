"""Quizzes from core ipywidgets only (works on Colab's ipywidgets 7.7.1 and on 8.x).

Question banks are data: one JSON file per lesson in coursekit/lesson/quizzes/, e.g. 01.json:
{"title": "...", "questions": [
  {"kind": "single", "prompt": "...", "options": ["a", "b"], "answer": 1,
   "hint": "...", "explanation": "..."},
  {"kind": "multiple", "prompt": "...", "options": [...], "answer": [0, 2],
   "hint": "...", "explanation": "..."},
  {"kind": "numeric", "prompt": "...", "answer": 0.693, "tolerance": 0.01, "min": 0, "max": 1,
   "hint": "...", "explanation": "..."}]}
`answer` is an option index (single), a list of indices (multiple) or a number (numeric), accepted
within +/- `tolerance`; `min`/`max` (numeric only, optional) bound what a learner may type, e.g. a
share cannot be negative. `hint` nudges toward the concept without giving the answer; `explanation`
says why the answer is right.

Feedback rules: nothing chosen, an empty numeric field, text that is not a number (a comma decimal
such as "1,5" is refused: it could mean 1.5 or 15) or a number outside min/max gets a message and
is not graded; its message quotes at most QUOTE_LIMIT characters of what was typed, so a pasted page
does not come back as a page of feedback. A wrong answer gets the hint; the explanation comes with a
correct answer, or after REVEAL_AFTER wrong tries.

Scoring: the score counts each question's first graded answer. Later tries still get feedback,
marked as practice, so a learner can keep trying until it clicks, but the score says what they knew
(a score that counted the last answer would reach full marks by clicking through the options). The
score stands next to every Check button, so it is in view at the question being answered.

Answer positions are balanced in the banks, not shuffled per learner: the bank then reads exactly as
every learner sees it (reviewers, screenshots, "option 3" in a class discussion), ordered options
such as "Yes ... / No ..." keep their order, tests and the browser see one order on every run, and
tests/lesson/test_quiz.py enforces the balance. Length gives nothing away either: distractors are
misconceptions stated as precisely as the right answer. The rules, measured on every bank in quizzes/
by `bank_problems` in tests/lesson/test_quiz.py: the correct option is the longest (or the shortest)
in at most half of a bank's single-choice questions (and a third over all banks); a longest option
(ties included) is a correct one in at most half of a bank's multi-select questions; no numeric
prompt states its own answer as asked for (a share may be given in per cent and asked for as a
fraction) nor names its formula (ln, log); no hint contains a correct option or the numeric answer;
"<title> (N questions)", the quiz's text form under "Run this cell to take the quiz:", fits 64 characters.

Feedback is HTML (coursekit.lesson.feedback: a coloured box with a mark, prose that wraps at spaces,
code in a code font) in an HTML widget per question: core ipywidgets, so it shows in JupyterLab and
in Colab (ipywidgets 7.7.1), and tests read it from the widget's value.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets as widgets

from ..errors import CourseError
from .feedback import NOTE, RIGHT, WRONG, Feedback, inline

BANKS = Path(__file__).parent / "quizzes"
KINDS = ("single", "multiple", "numeric")
REVEAL_AFTER = 3  # wrong tries before the explanation is shown anyway
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
ROUNDING = 1e-9  # so that 1.6 counts as inside 1 +/- 0.6
QUOTE_LIMIT = 40  # characters of a rejected input that its message quotes
PRACTICE = "practice: the score keeps your first answer"  # the tag on every graded answer after the first
RUN_ME = "Run this cell to take the quiz:"  # the first line of the quiz's text form, shown until the cell runs
# ipywidgets draws an option on one line of fixed height: a long one overflows onto the next option (radio
# buttons) or is cut off with "..." (checkboxes). This lets options wrap at spaces, their box before the first
# line (order: a radio button's input follows its text in the page). Class names of ipywidgets 7 and 8 alike;
# the style travels in the quiz's own output (Colab included).
OPTION_STYLE = """<style>
.coursekit-quiz-question .widget-radio-box label, .coursekit-quiz-question .widget-checkbox .widget-label-basic {
  display: flex; align-items: flex-start; height: auto; line-height: 1.4; padding: 2px 0;
  white-space: normal; overflow: visible; }
.coursekit-quiz-question .widget-radio-box input, .coursekit-quiz-question .widget-checkbox input {
  order: -1; float: none; flex: none; align-self: flex-start; height: auto; margin: 0.2em 8px 0 1px; }
.coursekit-quiz-question .widget-checkbox { height: auto; width: auto; line-height: 1.4; }
</style>"""


class QuizBankError(CourseError, ValueError):
    """A question bank that is missing or malformed."""


def quoted(text: str) -> str:
    """`text` in quotes for a message, cut to QUOTE_LIMIT characters with an ellipsis if longer.

    text: what the learner typed.
    """
    if len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT - 1] + "\u2026"
    return f"'{text}'"


def parse_number(text: str) -> float:
    """The number typed in `text`; raises ValueError with a message for the learner otherwise.

    text: what the learner typed, e.g. "0.5", " 2 ", "1e-3".
    """
    text = str(text).strip()
    if NUMBER.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    if "," in text:
        raise ValueError(f"{quoted(text)} is not graded: write decimals with a point, e.g. 0.5, "
                         "and no thousands separators.")
    if text.endswith("%"):
        raise ValueError(f"{quoted(text)} is not graded: type the number without the % sign.")
    raise ValueError(f"{quoted(text)} is not a number: type digits, with a point for decimals, e.g. 0.5.")


@dataclass
class Question:
    """One question: its `kind`, `prompt`, `answer`, `explanation`, `hint`, and `options` unless numeric."""

    kind: str
    prompt: str
    answer: object
    explanation: str
    hint: str = ""
    options: list[str] = field(default_factory=list)
    tolerance: float = 0.0
    min: float | None = None
    max: float | None = None

    def __post_init__(self):
        where = f"question {self.prompt[:40]!r}"
        if self.kind not in KINDS:
            raise QuizBankError(f"{where}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")
        if not self.hint.strip() or not self.explanation.strip():
            raise QuizBankError(f"{where}: needs a hint and an explanation.")
        if self.kind == "numeric":
            self._check_numeric(where)
            return
        if len(self.options) < 2:
            raise QuizBankError(f"{where}: a {self.kind} question needs at least 2 options.")
        answers = self.answer if self.kind == "multiple" else [self.answer]
        if not all(isinstance(a, int) and 0 <= a < len(self.options) for a in answers):
            raise QuizBankError(f"{where}: answer must be option indices 0..{len(self.options) - 1}.")

    def _check_numeric(self, where: str) -> None:
        """Raise QuizBankError unless answer, tolerance and min/max make sense together.

        where: names the question in the message.
        """
        if not isinstance(self.answer, (int, float)) or not self.tolerance >= 0:
            raise QuizBankError(f"{where}: a numeric answer needs a number and a tolerance >= 0.")
        if self.out_of_range(self.answer):
            raise QuizBankError(f"{where}: the answer {self.answer} lies outside min/max.")

    def out_of_range(self, value: float) -> str:
        """A message for the learner if `value` lies outside min/max, else "".

        value: the number typed.
        """
        low = self.min is not None and value < self.min
        high = self.max is not None and value > self.max
        if not (low or high):
            return ""
        if self.min is not None and self.max is not None:
            return f"{value:g} is out of range: the answer lies between {self.min:g} and {self.max:g}."
        side, bound = ("below", self.min) if low else ("above", self.max)
        return f"{value:g} is out of range: the answer cannot be {side} {bound:g}."

    def problem(self, response) -> str:
        """Why `response` cannot be graded ("" when it can): nothing chosen, not a number, out of range.

        response: an option index or None (single), a set of indices (multiple), text (numeric).
        """
        if self.kind == "single" and response is None:
            return "Pick an answer first, then press Check."
        if self.kind == "multiple" and not response:
            return "Pick at least one answer first, then press Check."
        if self.kind != "numeric":
            return ""
        if response is None or not str(response).strip():
            return "Type a number first, then press Check."
        try:
            return self.out_of_range(parse_number(response))
        except ValueError as error:
            return str(error)

    def is_correct(self, response) -> bool:
        """Whether `response` (an index, a set of indices, or a number or its text) answers this question."""
        if self.problem(response):
            return False
        if self.kind == "numeric":
            return abs(parse_number(response) - float(self.answer)) <= self.tolerance + ROUNDING
        if self.kind == "multiple":
            return set(response) == set(self.answer)
        return response == self.answer


class QuizBox(widgets.VBox):
    """The quiz's widget. Its text form is what a notebook shows before the cell runs (JupyterLab shows
    text/plain for a widget in a notebook it has not run), so it says what to do."""

    summary = ""

    def __repr__(self) -> str:
        return self.summary


class Quiz:
    """A list of Questions shown as widgets, each with a Check button, feedback and the running score."""

    def __init__(self, title: str, questions: list[Question]):
        self.title = title
        self.questions = questions
        self.first_answer: list[bool | None] = [None] * len(questions)  # right or not; None: not graded yet
        self.wrong_tries = [0] * len(questions)
        self.last_feedback: list[Feedback | None] = [None] * len(questions)
        self.inputs = [self._input(q) for q in questions]
        self.buttons = [widgets.Button(description="Check", button_style="primary") for _ in questions]
        self.feedback = [widgets.HTML() for _ in questions]
        self.score_labels = [widgets.HTML() for _ in questions]  # one beside each Check button
        self.score_label = widgets.HTML()  # and the total under the last question
        rows = []
        for i, question in enumerate(questions):
            self.buttons[i].on_click(lambda _button, i=i: self.check(i))
            self.feedback[i].add_class("coursekit-quiz-feedback")
            self.score_labels[i].add_class("coursekit-quiz-score")
            parts = [widgets.HTML(f'<div style="line-height: 1.4; margin-top: 0.8em"><b>{i + 1}. '
                                  f'{inline(question.prompt)}</b></div>')]
            parts += self.inputs[i] if isinstance(self.inputs[i], list) else [self.inputs[i]]
            check = widgets.HBox([self.buttons[i], self.score_labels[i]], layout=widgets.Layout(align_items="center"))
            rows.append(widgets.VBox(parts + [check, self.feedback[i]]))
            rows[-1].add_class("coursekit-quiz-question")
        self.widget = QuizBox([widgets.HTML(f"{OPTION_STYLE}<h3>{html.escape(title, quote=False)}</h3>")] + rows
                              + [self.score_label])
        self.widget.summary = repr(self)
        self._update_score()

    @staticmethod
    def _input(question: Question):
        """The input for `question`: radio buttons, one checkbox per option, or an empty text field."""
        layout = widgets.Layout(width="auto")
        if question.kind == "single":
            return widgets.RadioButtons(options=question.options, value=None, layout=layout)
        if question.kind == "multiple":
            return [widgets.Checkbox(description=option, value=False, indent=False, layout=layout)
                    for option in question.options]
        return widgets.Text(value="", placeholder="a number", layout=widgets.Layout(width="12em"))

    def response(self, index: int):
        """The learner's current answer to question `index` in the form Question.is_correct takes."""
        question, control = self.questions[index], self.inputs[index]
        if question.kind == "single":
            return None if control.value is None else question.options.index(control.value)
        if question.kind == "multiple":
            return {i for i, box in enumerate(control) if box.value}
        return control.value

    def check(self, index: int) -> bool:
        """Grade question `index`, show its feedback and update the score; returns whether it is right.

        The first graded answer is the one the score counts; later ones are practice.
        """
        question = self.questions[index]
        response = self.response(index)
        problem, right = question.problem(response), False
        if problem:  # not graded: nothing counted
            shown = Feedback(NOTE, problem)
        else:
            right = question.is_correct(response)
            practice = self.first_answer[index] is not None
            if not practice:
                self.first_answer[index] = right
            self.wrong_tries[index] += not right
            shown = self._verdict(question, right, self.wrong_tries[index], practice)
        self.last_feedback[index] = shown
        self.feedback[index].value = shown.html()
        self._update_score()
        return right

    @staticmethod
    def _verdict(question: Question, right: bool, wrong_tries: int, practice: bool) -> Feedback:
        """The feedback on a graded answer: the explanation if right, else the hint, or the explanation
        once there have been REVEAL_AFTER wrong tries; tagged as practice after the first answer."""
        tag = PRACTICE if practice else ""
        if right:
            return Feedback(RIGHT, "Correct!", question.explanation, tag)
        if wrong_tries < REVEAL_AFTER:
            return Feedback(WRONG, "Not quite, try again.", f"Hint: {question.hint}", tag)
        return Feedback(WRONG, "Not quite.",
                        f"After {wrong_tries} wrong tries, here is the explanation: {question.explanation}", tag)

    @property
    def score(self) -> int:
        """How many questions were answered correctly at their first graded check."""
        return sum(answer is True for answer in self.first_answer)

    def _update_score(self) -> None:
        answered = sum(answer is not None for answer in self.first_answer)
        text = f"Score: {self.score} / {len(self.questions)}"
        note = f"{answered} answered; first answers count" if answered else "first answers count"
        self.score_label.value = f"<b>{text}</b> <span style=\"color: #5a6472\">({note})</span>"
        for label in self.score_labels:
            label.value = f'<span style="margin-left: 0.8em">{self.score_label.value}</span>'

    def __repr__(self) -> str:
        # two short lines: JupyterLab breaks plain-text output anywhere, mid-word too, once a line is too long
        return f"{RUN_ME}\n{self.title} ({len(self.questions)} questions)"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def show_quiz(lesson: str) -> Quiz:
    """The quiz of lesson `lesson` ("01", "02", ...); ending a notebook cell with it shows the quiz."""
    return load_bank(lesson)


def load_bank(lesson: str) -> Quiz:
    """Build the Quiz of lesson `lesson` ("01", "02", ...) from coursekit/lesson/quizzes/<lesson>.json."""
    path = BANKS / f"{lesson}.json"
    if not path.is_file():
        known = sorted(p.stem for p in BANKS.glob("*.json"))
        raise QuizBankError(f"No quiz for lesson {lesson!r}; quizzes exist for: {', '.join(known)}.")
    data = json.loads(path.read_text(encoding="utf-8"))
    return Quiz(data["title"], [Question(**q) for q in data["questions"]])
