"""Quiz logic: set values, click Check, read the feedback written to the Output widget."""

import json

import pytest

from coursekit.lesson.quiz import BANKS, Question, Quiz, QuizBankError, load_bank


def feedback(quiz, index):
    return "".join(output["text"] for output in quiz.feedback[index].outputs)


@pytest.fixture
def quiz():
    return Quiz("demo", [
        Question("single", "Pick b", 1, "b is right.", ["a", "b", "c"]),
        Question("multiple", "Pick a and c", [0, 2], "a and c.", ["a", "b", "c"]),
        Question("numeric", "ln 2?", 0.693, "ln 2 = 0.693.", tolerance=0.01),
    ])


def test_wrong_then_right_single_choice(quiz):
    quiz.inputs[0].value = "a"
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == "Not quite, try again. Hint: b is right.\n"
    assert "Score: 0 / 3" in quiz.score_label.value
    quiz.inputs[0].value = "b"
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == "Correct! b is right.\n"  # replaced, not appended
    assert quiz.score == 1 and "Score: 1 / 3" in quiz.score_label.value


def test_multiple_select_needs_exactly_the_right_set(quiz):
    boxes = quiz.inputs[1]
    boxes[0].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Not quite")
    boxes[2].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Correct!")
    boxes[1].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Not quite") and quiz.score == 0


def test_numeric_with_tolerance(quiz):
    quiz.inputs[2].value = 0.5
    assert quiz.check(2) is False
    quiz.inputs[2].value = 0.69
    assert quiz.check(2) is True


def test_no_answer_yet_is_not_an_error(quiz):
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == "Pick an answer first, then press Check.\n"


def test_short_stable_text_form(quiz):
    assert repr(quiz) == "<quiz: demo (3 questions)>"
    assert repr(quiz.widget) == "<quiz: demo (3 questions)>"


@pytest.mark.parametrize("bad,match", [
    ({"kind": "essay"}, "kind must be one of"),
    ({"options": ["only one"]}, "at least 2 options"),
    ({"answer": 5}, "option indices"),
])
def test_malformed_questions_are_rejected(bad, match):
    fields = {"kind": "single", "prompt": "p", "answer": 0, "explanation": "e", "options": ["a", "b"], **bad}
    with pytest.raises(QuizBankError, match=match):
        Question(**fields)


@pytest.mark.parametrize("path", sorted(BANKS.glob("*.json")), ids=lambda p: p.name)
def test_every_bank_loads_and_its_answers_score_full_marks(path):
    quiz = load_bank(path.stem)
    assert len(quiz.questions) >= 5
    for i, question in enumerate(quiz.questions):
        if question.kind == "single":
            quiz.inputs[i].value = question.options[question.answer]
        elif question.kind == "multiple":
            for j, box in enumerate(quiz.inputs[i]):
                box.value = j in question.answer
        else:
            quiz.inputs[i].value = question.answer
        quiz.buttons[i].click()
    assert quiz.score == len(quiz.questions)
    assert json.loads(path.read_text())["title"] == quiz.title


def test_lesson_01_bank_has_the_seed_questions():
    prompts = " ".join(q.prompt for q in load_bank("01").questions).lower()
    for topic in ["what kind of data", "from scratch", "added on top", "improves", "require", "start from"]:
        assert topic in prompts, topic


def test_unknown_lesson():
    with pytest.raises(QuizBankError, match="quizzes exist for: 01"):
        load_bank("99")
