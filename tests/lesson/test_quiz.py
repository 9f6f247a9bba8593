"""Quiz logic: set values, click Check, read the feedback written to the Output widget; and the banks."""

import json
import math
import re
from collections import Counter

import pytest

from coursekit.lesson.metrics import squad_f1
from coursekit.lesson.quiz import BANKS, QUOTE_LIMIT, REVEAL_AFTER, Question, Quiz, QuizBankError, load_bank

BANK_PATHS = sorted(BANKS.glob("*.json"))
ALL_QUESTIONS = [(path.stem, i, question) for path in BANK_PATHS
                 for i, question in enumerate(load_bank(path.stem).questions)]
NUMERIC = [entry for entry in ALL_QUESTIONS if entry[2].kind == "numeric"]


def ids(entries):
    return [f"{lesson}-Q{index + 1}" for lesson, index, _ in entries]


def feedback(quiz, index):
    return "".join(output["text"] for output in quiz.feedback[index].outputs)


@pytest.fixture
def quiz():
    return Quiz("demo", [
        Question("single", "Pick b", 1, "b is right.", "Think of the second letter.", ["a", "b", "c"]),
        Question("multiple", "Pick a and c", [0, 2], "a and c.", "Vowels and the third.", ["a", "b", "c"]),
        Question("numeric", "ln 2?", 0.693, "ln 2 = 0.693.", "Take the log of two.", tolerance=0.01, min=0),
        Question("numeric", "A share?", 0.58, "58 in 100.", "Count the positives.",
                 tolerance=0.01, min=0, max=1),
    ])


def test_wrong_gets_the_hint_right_gets_the_explanation(quiz):
    quiz.inputs[0].value = "a"
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == "Not quite, try again. Hint: Think of the second letter.\n"
    assert "b is right" not in feedback(quiz, 0)
    assert "Score: 0 / 4" in quiz.score_label.value
    quiz.inputs[0].value = "b"
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == "Correct! b is right.\n"  # replaced, not appended
    assert quiz.score == 1 and "Score: 1 / 4" in quiz.score_label.value


def test_explanation_after_three_wrong_tries(quiz):
    quiz.inputs[0].value = "a"
    for _ in range(REVEAL_AFTER - 1):
        assert quiz.check(0) is False
        assert "Hint:" in feedback(quiz, 0) and "b is right" not in feedback(quiz, 0)
    quiz.inputs[0].value = "c"
    assert quiz.check(0) is False
    revealed = f"Not quite. After {REVEAL_AFTER} wrong tries, here is the explanation: b is right.\n"
    assert feedback(quiz, 0) == revealed
    quiz.inputs[0].value = "b"
    assert quiz.check(0) is True and quiz.score == 1


def test_multiple_select_needs_exactly_the_right_set(quiz):
    boxes = quiz.inputs[1]
    boxes[0].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1) == "Not quite, try again. Hint: Vowels and the third.\n"
    boxes[2].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Correct!")
    boxes[1].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Not quite") and quiz.score == 0


def test_empty_multiple_select_asks_for_a_pick_and_is_not_graded(quiz):
    assert quiz.check(1) is False
    assert feedback(quiz, 1) == "Pick at least one answer first, then press Check.\n"
    assert quiz.wrong_tries[1] == 0


def test_numeric_starts_empty_and_asks_for_a_number(quiz):
    assert quiz.inputs[2].value == ""
    assert quiz.check(2) is False
    assert feedback(quiz, 2) == "Type a number first, then press Check.\n"
    assert quiz.wrong_tries[2] == 0


def test_numeric_with_tolerance(quiz):
    quiz.inputs[2].value = "0.5"
    assert quiz.check(2) is False and feedback(quiz, 2).startswith("Not quite, try again. Hint:")
    quiz.inputs[2].value = " 0.69 "
    assert quiz.check(2) is True and feedback(quiz, 2) == "Correct! ln 2 = 0.693.\n"


@pytest.mark.parametrize("text,message", [
    ("abc", "'abc' is not a number: type digits, with a point for decimals, e.g. 0.5."),
    ("0,58", "'0,58' is not graded: write decimals with a point, e.g. 0.5, and no thousands separators."),
    ("58%", "'58%' is not graded: type the number without the % sign."),
    ("nan", "'nan' is not a number: type digits, with a point for decimals, e.g. 0.5."),
    ("-0.58", "-0.58 is out of range: the answer lies between 0 and 1."),
    ("58", "58 is out of range: the answer lies between 0 and 1."),
])
def test_numeric_rejects_what_it_cannot_grade_and_keeps_the_score(quiz, text, message):
    quiz.inputs[3].value = "0.58"
    assert quiz.check(3) is True
    quiz.inputs[3].value = text
    assert quiz.check(3) is False
    assert feedback(quiz, 3) == message + "\n"
    assert quiz.score == 1 and quiz.wrong_tries[3] == 0  # not graded: the earlier right answer stands


def test_one_sided_bound_message(quiz):
    quiz.inputs[2].value = "-1"
    quiz.check(2)
    assert feedback(quiz, 2) == "-1 is out of range: the answer cannot be below 0.\n"


@pytest.mark.parametrize("text,reason", [
    ("1" * 1_000_000, "is not a number"),  # a million digits: too large for a float
    ("x" * 1_000_000, "is not a number"),
    ("0," + "5" * 1_000_000, "write decimals with a point"),
    ("5" * 1_000_000 + "%", "without the % sign"),
], ids=["digits", "letters", "comma", "percent"])
def test_a_huge_input_is_quoted_short(quiz, text, reason):
    quiz.inputs[3].value = text
    assert quiz.check(3) is False and quiz.wrong_tries[3] == 0
    message = feedback(quiz, 3)
    assert reason in message and len(message) < 200, message[:300]
    assert message.startswith("'" + text[:QUOTE_LIMIT - 1] + "\u2026' ")


def test_a_short_input_is_quoted_whole(quiz):
    text = "x" * QUOTE_LIMIT
    quiz.inputs[3].value = text
    quiz.check(3)
    assert feedback(quiz, 3).startswith(f"'{text}' is not a number")


@pytest.mark.parametrize("text", ["1e309", "9" * 400, "-1e400"], ids=["1e309", "400 digits", "-1e400"])
def test_a_number_too_large_for_a_float_gets_a_message(quiz, text):
    quiz.inputs[3].value = text
    assert quiz.check(3) is False and quiz.wrong_tries[3] == 0
    assert "is not a number" in feedback(quiz, 3) and len(feedback(quiz, 3)) < 200


@pytest.mark.parametrize("text", ["\uff10.\uff15\uff18", "\u0660.\u0665\u0668", " 0.58\u00a0"],
                         ids=["full-width", "arabic-indic", "no-break space"])
def test_unicode_digits_are_read_as_python_reads_them(quiz, text):
    quiz.inputs[3].value = text  # full-width and Arabic-Indic digits, a no-break space
    assert quiz.check(3) is True


def test_no_answer_yet_is_not_an_error(quiz):
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == "Pick an answer first, then press Check.\n"


def test_short_stable_text_form(quiz):
    assert repr(quiz) == "<quiz: demo (4 questions)>"
    assert repr(quiz.widget) == "<quiz: demo (4 questions)>"


@pytest.mark.parametrize("bad,match", [
    ({"kind": "essay"}, "kind must be one of"),
    ({"options": ["only one"]}, "at least 2 options"),
    ({"answer": 5}, "option indices"),
    ({"hint": " "}, "needs a hint and an explanation"),
    ({"kind": "numeric", "answer": "one"}, "needs a number"),
    ({"kind": "numeric", "answer": -1, "min": 0}, "outside min/max"),
])
def test_malformed_questions_are_rejected(bad, match):
    fields = {"kind": "single", "prompt": "p", "answer": 0, "explanation": "e", "hint": "h",
              "options": ["a", "b"], **bad}
    with pytest.raises(QuizBankError, match=match):
        Question(**fields)


def test_lesson_01_numeric_question_in_the_real_bank():
    quiz = load_bank("01")
    index = next(i for i, q in enumerate(quiz.questions) if q.kind == "numeric")
    assert quiz.check(index) is False and feedback(quiz, index).startswith("Type a number first")
    for text, right in [("0", False), ("0.5", True), ("1", True), ("1.5", True), ("3", False)]:
        quiz.inputs[index].value = text
        assert quiz.check(index) is right, text
    quiz.inputs[index].value = "-1"
    assert quiz.check(index) is False and "out of range" in feedback(quiz, index)


# --- the banks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", BANK_PATHS, ids=lambda p: p.name)
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
            quiz.inputs[i].value = str(question.answer)
        quiz.buttons[i].click()
        assert feedback(quiz, i) == f"Correct! {question.explanation}\n"
    assert quiz.score == len(quiz.questions)
    assert json.loads(path.read_text())["title"] == quiz.title


def numbers_in(text):
    """Every number written in `text` (0.58, .58, 58, 0,58, 1,404, 2/3), as the values it may stand for."""
    values = [int(a) / int(b) for a, b in re.findall(r"(\d+)\s*/\s*(\d+)", text) if int(b)]
    for number in re.findall(r"\d+(?:[.,]\d+)*|[.,]\d+", text):
        values += [float(number.replace(",", "")), float(number.replace(",", ".", 1).replace(",", ""))]
    return values


def in_any_common_form(values):
    """`values` read as written, as a per cent (58 -> 0.58) and as a share (0.58 -> 58)."""
    return [form for value in values for form in (value, value / 100, value * 100)]


def is_numeric_answer(question, value):
    return abs(value - float(question.answer)) <= question.tolerance + 1e-9


@pytest.mark.parametrize("text,value", [("0.58", 0.58), (".58", 0.58), ("58%", 0.58), ("58 in 100", 0.58),
                                        ("0,58", 0.58), ("1,404 snippets", 1404), ("2/3", 2 / 3)])
def test_numbers_in_reads_the_usual_forms(text, value):
    assert any(math.isclose(form, value) for form in in_any_common_form(numbers_in(text)))


@pytest.mark.parametrize("lesson,index,question", ALL_QUESTIONS, ids=ids(ALL_QUESTIONS))
def test_hint_nudges_without_giving_the_answer(lesson, index, question):
    hint = question.hint.lower()
    assert len(question.hint.split()) >= 5 and len(question.explanation.split()) >= 5
    assert question.explanation.lower() not in hint and hint not in question.explanation.lower()
    if question.kind == "single":
        assert question.options[question.answer].lower() not in hint
    elif question.kind == "multiple":
        assert not any(question.options[a].lower() in hint for a in question.answer)
    else:  # not as written (0.58), as a per cent (58%, 58) or as a share
        given = [n for n in in_any_common_form(numbers_in(question.hint)) if is_numeric_answer(question, n)]
        assert not given, question.hint


@pytest.mark.parametrize("lesson,index,question", NUMERIC, ids=ids(NUMERIC))
def test_numeric_prompt_does_not_state_the_answer(lesson, index, question):
    # a prompt may give a share in per cent and ask for it as a fraction (lesson 02), but not the
    # number itself as asked for, nor the formula that is the answer ("ln 2")
    assert not [n for n in numbers_in(question.prompt) if is_numeric_answer(question, n)], question.prompt
    assert not re.search(r"\b(ln|log)\b", question.prompt, re.IGNORECASE), question.prompt


@pytest.mark.parametrize("lesson,index,question", NUMERIC, ids=ids(NUMERIC))
def test_numeric_questions_are_bounded_and_reject_trivial_answers(lesson, index, question):
    # every numeric question in the banks asks for a share, a percentage, a score or a loss
    assert question.answer >= 0 and question.min is not None and question.min >= 0
    assert question.problem("-1") and not question.is_correct(-1)
    if question.answer != 0:
        assert not question.is_correct(0)
    assert question.is_correct(question.answer)


def single_choice_answers(lesson):
    return [q.answer for q in load_bank(lesson).questions if q.kind == "single"]


@pytest.mark.parametrize("path", BANK_PATHS, ids=lambda p: p.name)
def test_correct_options_are_spread_within_each_quiz(path):
    answers = single_choice_answers(path.stem)
    assert max(Counter(answers).values()) <= max(2, len(answers) // 2), answers


def test_every_usual_position_holds_a_correct_option_across_banks():
    singles = [q for _, _, q in ALL_QUESTIONS if q.kind == "single"]
    usual = Counter(len(q.options) for q in singles).most_common(1)[0][0]
    assert {q.answer for q in singles} >= set(range(usual))
    multiples = [q for _, _, q in ALL_QUESTIONS if q.kind == "multiple"]
    first = {0 in q.answer for q in multiples}
    last = {len(q.options) - 1 in q.answer for q in multiples}
    assert first == last == {True, False}  # neither the first nor the last box is a safe bet


def single_choice_questions(lesson=None):
    return [(f"{name}-Q{i + 1}", q) for name, i, q in ALL_QUESTIONS
            if q.kind == "single" and lesson in (None, name)]


def correct_option_is(question, extreme):
    """Whether the correct option is the longest (extreme=max) or shortest (extreme=min), ties included."""
    others = [len(option) for i, option in enumerate(question.options) if i != question.answer]
    return extreme(others + [len(question.options[question.answer])]) == len(question.options[question.answer])


@pytest.mark.parametrize("extreme", [max, min], ids=["longest", "shortest"])
def test_option_length_does_not_give_the_answer_away(extreme):
    # picking the longest (or the shortest) option must not score: at most about a third of all
    # single-choice questions, and at most half of any one bank, have it as the correct option
    singles = single_choice_questions()
    telling = [name for name, q in singles if correct_option_is(q, extreme)]
    assert len(telling) <= len(singles) / 3, telling
    for path in BANK_PATHS:
        bank = single_choice_questions(path.stem)
        in_bank = [name for name, q in bank if correct_option_is(q, extreme)]
        assert len(in_bank) <= len(bank) / 2, in_bank


def test_lesson_01_bank_has_the_seed_questions():
    prompts = " ".join(q.prompt for q in load_bank("01").questions).lower()
    for topic in ["what kind of data", "from scratch", "on top", "improves", "require", "start from"]:
        assert topic in prompts, topic


def test_lesson_04_f1_question_is_squad_f1_of_its_prompt():
    question = next(q for q in load_bank("04").questions if q.kind == "numeric")
    truth, prediction = "the European Union", "a European Union summit in Brussels."
    assert f"'{truth}'" in question.prompt and f"'{prediction}'" in question.prompt
    assert question.answer == pytest.approx(squad_f1(prediction, truth), abs=0.001)
    assert not question.is_correct(1) and not question.is_correct(0)  # exact match, either way
    assert question.is_correct("0.57") and not question.is_correct("0.44")  # 0.44: without normalising


def test_lesson_05_loss_question_is_the_loss_of_an_even_guess():
    question = next(q for q in load_bank("05").questions if q.kind == "numeric" and "probability" in q.prompt)
    assert "1/3" in question.prompt and question.answer == pytest.approx(-math.log(1 / 3), abs=0.001)
    assert question.is_correct("1.10") and not question.is_correct("0.69") and not question.is_correct("0.33")


def test_lesson_05_f1_question_is_the_f1_of_always_positive():
    question = next(q for q in load_bank("05").questions if q.kind == "numeric" and "F1" in q.prompt)
    share = 0.4
    assert "40% positive" in question.prompt
    assert question.answer == pytest.approx(2 * share / (share + 1), abs=0.001)
    assert not question.is_correct("0.4") and not question.is_correct("0.29") and not question.is_correct("0.67")


def test_unknown_lesson():
    with pytest.raises(QuizBankError, match="quizzes exist for: 01"):
        load_bank("99")
