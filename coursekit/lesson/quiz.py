"""Quizzes from core ipywidgets only (works on Colab's ipywidgets 7.7.1 and on 8.x).

Question banks are data: one JSON file per lesson in coursekit/quizzes/, e.g. 01.json:
{"title": "...", "questions": [
  {"kind": "single", "prompt": "...", "options": ["a", "b"], "answer": 1, "explanation": "..."},
  {"kind": "multiple", "prompt": "...", "options": [...], "answer": [0, 2], "explanation": "..."},
  {"kind": "numeric", "prompt": "...", "answer": 0.693, "tolerance": 0.01, "explanation": "..."}]}
Feedback is written with `out.outputs = (); out.append_stdout(...)`, never by printing inside
`with out:`, so it shows in JupyterLab and Colab, survives nbval and can be unit-tested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets as widgets

from ..errors import CourseError

BANKS = Path(__file__).parent / "quizzes"
KINDS = ("single", "multiple", "numeric")


class QuizBankError(CourseError, ValueError):
    """A question bank that is missing or malformed."""


@dataclass
class Question:
    """One question: its `kind`, `prompt`, `answer`, `explanation`, and `options` unless numeric."""

    kind: str
    prompt: str
    answer: object
    explanation: str
    options: list[str] = field(default_factory=list)
    tolerance: float = 0.0

    def __post_init__(self):
        where = f"question {self.prompt[:40]!r}"
        if self.kind not in KINDS:
            raise QuizBankError(f"{where}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")
        if self.kind != "numeric" and len(self.options) < 2:
            raise QuizBankError(f"{where}: a {self.kind} question needs at least 2 options.")
        answers = self.answer if self.kind == "multiple" else [self.answer]
        if self.kind != "numeric" and not all(isinstance(a, int) and 0 <= a < len(self.options) for a in answers):
            raise QuizBankError(f"{where}: answer must be option indices 0..{len(self.options) - 1}.")

    def is_correct(self, response) -> bool:
        """Whether `response` (an index, a set of indices, or a number) answers this question."""
        if response is None:
            return False
        if self.kind == "numeric":
            return abs(float(response) - float(self.answer)) <= self.tolerance
        if self.kind == "multiple":
            return set(response) == set(self.answer)
        return response == self.answer


class QuizBox(widgets.VBox):
    """The quiz's widget, with a short text form so notebook outputs stay readable and stable."""

    def __repr__(self) -> str:
        return f"<quiz: {self.description}>"


class Quiz:
    """A list of Questions shown as widgets, each with a Check button, feedback and a running score."""

    def __init__(self, title: str, questions: list[Question]):
        self.title = title
        self.questions = questions
        self.correct = [False] * len(questions)
        self.inputs = [self._input(q) for q in questions]
        self.buttons = [widgets.Button(description="Check", button_style="primary") for _ in questions]
        self.feedback = [widgets.Output() for _ in questions]
        self.score_label = widgets.HTML()
        rows = []
        for i, question in enumerate(questions):
            self.buttons[i].on_click(lambda _button, i=i: self.check(i))
            parts = [widgets.HTML(f"<b>{i + 1}. {question.prompt}</b>")]
            parts += self.inputs[i] if isinstance(self.inputs[i], list) else [self.inputs[i]]
            rows.append(widgets.VBox(parts + [self.buttons[i], self.feedback[i]]))
        self.widget = QuizBox([widgets.HTML(f"<h3>{title}</h3>")] + rows + [self.score_label])
        self.widget.description = f"{title} ({len(questions)} questions)"
        self._update_score()

    @staticmethod
    def _input(question: Question):
        layout = widgets.Layout(width="auto")
        if question.kind == "single":
            return widgets.RadioButtons(options=question.options, value=None, layout=layout)
        if question.kind == "multiple":
            return [widgets.Checkbox(description=option, value=False, indent=False, layout=layout)
                    for option in question.options]
        return widgets.FloatText(value=0.0, layout=widgets.Layout(width="12em"))

    def response(self, index: int):
        """The learner's current answer to question `index` in the form Question.is_correct takes."""
        question, control = self.questions[index], self.inputs[index]
        if question.kind == "single":
            return None if control.value is None else question.options.index(control.value)
        if question.kind == "multiple":
            return {i for i, box in enumerate(control) if box.value}
        return control.value

    def check(self, index: int) -> bool:
        """Grade question `index`, write its feedback and update the score; returns whether it is right."""
        question = self.questions[index]
        response = self.response(index)
        right = question.is_correct(response)
        self.correct[index] = right
        if response is None:
            message = "Pick an answer first, then press Check."
        elif right:
            message = f"Correct! {question.explanation}"
        else:
            message = f"Not quite, try again. Hint: {question.explanation}"
        out = self.feedback[index]
        out.outputs = ()
        out.append_stdout(message + "\n")
        self._update_score()
        return right

    @property
    def score(self) -> int:
        """How many questions were answered correctly at their last check."""
        return sum(self.correct)

    def _update_score(self) -> None:
        self.score_label.value = f"<b>Score: {self.score} / {len(self.questions)}</b>"

    def __repr__(self) -> str:
        return f"<quiz: {self.title} ({len(self.questions)} questions)>"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def show_quiz(lesson: str) -> Quiz:
    """The quiz of lesson `lesson` ("01", "02", ...); ending a notebook cell with it shows the quiz."""
    return load_bank(lesson)


def load_bank(lesson: str) -> Quiz:
    """Build the Quiz of lesson `lesson` ("01", "02", ...) from coursekit/quizzes/<lesson>.json."""
    path = BANKS / f"{lesson}.json"
    if not path.is_file():
        known = sorted(p.stem for p in BANKS.glob("*.json"))
        raise QuizBankError(f"No quiz for lesson {lesson!r}; quizzes exist for: {', '.join(known)}.")
    data = json.loads(path.read_text(encoding="utf-8"))
    return Quiz(data["title"], [Question(**q) for q in data["questions"]])
