"""Quiz logic: set values, click Check, read the feedback shown in each question's HTML widget; the banks'
rules (`bank_problems`, run on every bank in coursekit/lesson/quizzes/)."""

import json
import math
import re
from collections import Counter

import pytest

from coursekit.lesson.feedback import NOTE, RIGHT, WRONG
from coursekit.lesson.metrics import squad_f1
from coursekit.lesson.quiz import (BANKS, PRACTICE, QUOTE_LIMIT, REVEAL_AFTER, RUN_ME, Question, Quiz, QuizBankError,
                                   load_bank)

BANK_PATHS = sorted(BANKS.glob("*.json"))
ALL_QUESTIONS = [(path.stem, i, question) for path in BANK_PATHS
                 for i, question in enumerate(load_bank(path.stem).questions)]


def feedback(quiz, index):
    """The plain text of question `index`'s feedback, checked to be what its widget shows."""
    shown = quiz.last_feedback[index]
    assert quiz.feedback[index].value == shown.html()
    return shown.text


def tone(quiz, index):
    return quiz.last_feedback[index].tone


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
    assert feedback(quiz, 0) == "Not quite, try again. Hint: Think of the second letter."
    assert tone(quiz, 0) == WRONG and "b is right" not in feedback(quiz, 0)
    quiz.inputs[0].value = "b"
    quiz.buttons[0].click()
    assert feedback(quiz, 0) == f"Correct! ({PRACTICE}) b is right."  # replaced, not appended
    assert tone(quiz, 0) == RIGHT


def test_the_score_counts_first_answers_and_later_tries_are_practice(quiz):
    quiz.inputs[0].value = "a"
    assert quiz.check(0) is False
    quiz.inputs[0].value = "b"
    assert quiz.check(0) is True and quiz.score == 0  # a wrong first answer stays wrong
    assert PRACTICE in feedback(quiz, 0)
    quiz.inputs[2].value = "0.69"
    assert quiz.check(2) is True and quiz.score == 1 and PRACTICE not in feedback(quiz, 2)
    quiz.inputs[2].value = "5"
    assert quiz.check(2) is False and quiz.score == 1  # a right first answer stays right
    assert feedback(quiz, 2) == f"Not quite, try again. ({PRACTICE}) Hint: Take the log of two."


def test_an_answer_that_is_not_graded_does_not_use_up_the_first_try(quiz):
    assert quiz.check(0) is False and tone(quiz, 0) == NOTE  # nothing picked
    quiz.inputs[0].value = "b"
    assert quiz.check(0) is True and quiz.score == 1 and PRACTICE not in feedback(quiz, 0)


def test_the_score_stands_beside_every_check_button(quiz):
    assert all("Score: 0 / 4" in label.value for label in quiz.score_labels + [quiz.score_label])
    quiz.inputs[3].value = "0.58"
    quiz.buttons[3].click()
    assert all("Score: 1 / 4" in label.value for label in quiz.score_labels + [quiz.score_label])
    assert "1 answered; first answers count" in quiz.score_labels[0].value
    rows = quiz.widget.children[1:-1]
    for row, button, label in zip(rows, quiz.buttons, quiz.score_labels):
        beside = [child for child in row.children if button in getattr(child, "children", ())]
        assert beside and label in beside[0].children


def test_explanation_after_three_wrong_tries(quiz):
    quiz.inputs[0].value = "a"
    for _ in range(REVEAL_AFTER - 1):
        assert quiz.check(0) is False
        assert "Hint:" in feedback(quiz, 0) and "b is right" not in feedback(quiz, 0)
    quiz.inputs[0].value = "c"
    assert quiz.check(0) is False
    revealed = f"Not quite. ({PRACTICE}) After {REVEAL_AFTER} wrong tries, here is the explanation: b is right."
    assert feedback(quiz, 0) == revealed
    quiz.inputs[0].value = "b"
    assert quiz.check(0) is True and quiz.score == 0


def test_multiple_select_needs_exactly_the_right_set(quiz):
    boxes = quiz.inputs[1]
    boxes[0].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1) == "Not quite, try again. Hint: Vowels and the third."
    boxes[2].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Correct!")
    boxes[1].value = True
    quiz.buttons[1].click()
    assert feedback(quiz, 1).startswith("Not quite") and quiz.score == 0


def test_empty_multiple_select_asks_for_a_pick_and_is_not_graded(quiz):
    assert quiz.check(1) is False
    assert feedback(quiz, 1) == "Pick at least one answer first, then press Check."
    assert quiz.wrong_tries[1] == 0 and tone(quiz, 1) == NOTE


def test_numeric_starts_empty_and_asks_for_a_number(quiz):
    assert quiz.inputs[2].value == ""
    assert quiz.check(2) is False
    assert feedback(quiz, 2) == "Type a number first, then press Check."
    assert quiz.wrong_tries[2] == 0


def test_numeric_with_tolerance(quiz):
    quiz.inputs[2].value = "0.5"
    assert quiz.check(2) is False and feedback(quiz, 2).startswith("Not quite, try again. Hint:")
    quiz.inputs[2].value = " 0.69 "
    assert quiz.check(2) is True and feedback(quiz, 2) == f"Correct! ({PRACTICE}) ln 2 = 0.693."


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
    assert feedback(quiz, 3) == message and tone(quiz, 3) == NOTE
    assert quiz.score == 1 and quiz.wrong_tries[3] == 0  # not graded: the earlier right answer stands


def test_one_sided_bound_message(quiz):
    quiz.inputs[2].value = "-1"
    quiz.check(2)
    assert feedback(quiz, 2) == "-1 is out of range: the answer cannot be below 0."


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
    assert feedback(quiz, 0) == "Pick an answer first, then press Check."


def test_text_form_says_to_run_the_cell(quiz):
    # what JupyterLab shows in a lesson's quiz cell before it runs: the text/plain of the widget's display
    assert repr(quiz) == repr(quiz.widget) == f"{RUN_ME}\ndemo (4 questions)"
    assert RUN_ME == "Run this cell to take the quiz:"


def test_prompts_and_titles_are_escaped():
    quiz = Quiz("a <b> title", [Question("single", "Is 1 < 2 & `x_y` code?", 0, "yes it is", "compare them now",
                                         ["yes", "no"])])
    shown = quiz.widget.children[1].children[0].value
    assert "1 &lt; 2 &amp;" in shown and ">x_y</code>" in shown
    assert "a &lt;b&gt; title" in quiz.widget.children[0].value


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
    # percentage points over the majority class, computed from the prompt's own counts; the relative
    # gain in per cent (8.3) and the model's accuracy itself are the wrong readings it must refuse
    quiz = load_bank("01")
    index = next(i for i, q in enumerate(quiz.questions) if q.kind == "numeric")
    positive, negative, accuracy = (float(n) for n in re.findall(r"\b\d+(?:\.\d+)?\b", quiz.questions[index].prompt)[:3])
    majority = max(positive, negative) / (positive + negative)
    assert quiz.questions[index].answer == pytest.approx(100 * (accuracy - majority))
    assert quiz.check(index) is False and feedback(quiz, index).startswith("Type a number first")
    points, relative = 100 * (accuracy - majority), 100 * (accuracy / majority - 1)
    for value, right in [(0, False), (points, True), (points - 0.4, True), (relative, False), (100 * accuracy, False)]:
        quiz.inputs[index].value = f"{value:.2f}"
        assert quiz.check(index) is right, value
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
        assert feedback(quiz, i) == f"Correct! {question.explanation}"
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


# --- the banks' rules: one function, run on every bank (06 and 07 included once they exist) -----------

def question_problems(question) -> list[str]:
    """The rules one question breaks: a hint that gives the answer away, a numeric prompt that states its
    own answer or names its formula, a numeric answer that is unbounded or lets 0 score."""
    problems = []
    hint, explanation = question.hint.lower(), question.explanation.lower()
    if len(question.hint.split()) < 5 or len(question.explanation.split()) < 5:
        problems.append("hint and explanation need 5 words or more each")
    if explanation in hint or hint in explanation:
        problems.append("the hint repeats the explanation")
    if question.kind == "single" and question.options[question.answer].lower() in hint:
        problems.append("the hint contains the correct option")
    if question.kind == "multiple" and any(question.options[a].lower() in hint for a in question.answer):
        problems.append("the hint contains a correct option")
    if question.kind != "numeric":
        return problems
    # the hint: not the answer as written (0.58), as a per cent (58%, 58) or as a share
    if [n for n in in_any_common_form(numbers_in(question.hint)) if is_numeric_answer(question, n)]:
        problems.append("the hint states the numeric answer")
    # the prompt: a share may be given in per cent and asked for as a fraction (lesson 02), but not the number
    # itself as asked for, nor the formula that is the answer ("ln 2")
    if [n for n in numbers_in(question.prompt) if is_numeric_answer(question, n)]:
        problems.append("the prompt states its own numeric answer")
    if re.search(r"\b(ln|log)\b", question.prompt, re.IGNORECASE):
        problems.append("the prompt names the formula (ln, log) that is its answer")
    # every numeric question asks for a share, a percentage, a score or a loss: not negative, and 0 must not score
    if not (question.answer >= 0 and question.min is not None and question.min >= 0 and question.problem("-1")):
        problems.append("a numeric answer needs min >= 0, so that a negative number is refused")
    if question.answer != 0 and question.is_correct(0):
        problems.append("0 counts as correct")
    return problems


def option_is(question, index, extreme) -> bool:
    """Whether option `index` is the longest (extreme=max) or shortest (extreme=min) of `question`, ties included."""
    return len(question.options[index]) == extreme(len(option) for option in question.options)


def length_tells(question, extreme) -> bool:
    """Whether picking the longest (or shortest) option finds a correct one: for a single-choice question the
    answer is such an option; for a multi-select one, a correct option is among the longest (ties included)."""
    answers = question.answer if question.kind == "multiple" else [question.answer]
    return any(option_is(question, a, extreme) for a in answers)


KIND_NAMES = {"single": "single-choice", "multiple": "multi-select"}
TITLE_LINE = 64  # characters of "<title> (N questions)"


def bank_problems(lesson: str) -> list[str]:
    """Every rule bank `lesson` breaks, one message each, naming the questions ("02-Q4"): question_problems; in
    at most half of its single-choice questions is the correct option the longest (or the shortest); in at most
    half of its multi-select questions is a longest option a correct one; no option position holds more than
    half of its single-choice answers (2 when there are few); its title line is short."""
    questions = load_bank(lesson).questions
    names = [f"{lesson}-Q{i + 1}" for i in range(len(questions))]
    problems = [f"{name}: {problem}" for name, question in zip(names, questions)
                for problem in question_problems(question)]
    rules = [("single", max, "the correct option is the longest"), ("single", min, "the correct option is the shortest"),
             ("multiple", max, "a longest option is a correct one")]
    for kind, extreme, what in rules:
        of_kind = [(name, q) for name, q in zip(names, questions) if q.kind == kind]
        telling = [name for name, q in of_kind if length_tells(q, extreme)]
        if len(telling) > len(of_kind) / 2:
            problems.append(f"{lesson}: {what} in {len(telling)} of {len(of_kind)} {KIND_NAMES[kind]} questions "
                            f"({', '.join(telling)}); at most half may be")
    shown = repr(load_bank(lesson)).splitlines()[-1]  # a notebook shows it before the quiz runs
    if len(shown) > TITLE_LINE:
        problems.append(f"{lesson}: the title line {shown!r} is over {TITLE_LINE} characters (JupyterLab "
                        f"breaks a long plain-text line mid-word): shorten the title")
    answers = [q.answer for q in questions if q.kind == "single"]
    if answers and max(Counter(answers).values()) > max(2, len(answers) // 2):
        problems.append(f"{lesson}: single-choice answers bunch on one position: {answers}")
    return problems


@pytest.mark.parametrize("path", BANK_PATHS, ids=lambda p: p.name)
def test_bank_follows_the_rules(path):
    problems = bank_problems(path.stem)
    assert not problems, "\n".join(problems)


BROKEN_RULES = {  # a field changed -> the message bank_problems must give
    "hint": ({"kind": "single", "hint": "It is the option b, pick it."}, "the hint contains the correct option"),
    "numeric prompt": ({"kind": "numeric", "prompt": "A share of 0.58: type 0.58."}, "the prompt states its own"),
    "formula": ({"kind": "numeric", "prompt": "What is ln 2 here?", "answer": 0.69}, "names the formula"),
    "unbounded": ({"kind": "numeric", "min": None}, "needs min >= 0"),
    "zero scores": ({"kind": "numeric", "answer": 0.05, "tolerance": 0.1}, "0 counts as correct"),
}


@pytest.mark.parametrize("change", BROKEN_RULES, ids=list(BROKEN_RULES))
def test_bank_problems_finds_a_broken_question_rule(change, tmp_path, monkeypatch):
    fields, message = BROKEN_RULES[change]
    base = {"prompt": "What share of the snippets is positive?", "answer": 0.58, "tolerance": 0.01, "min": 0,
            "max": 1, "hint": "Count the positive ones and divide by all.", "explanation": "58 of every 100 are."} \
        if fields["kind"] == "numeric" else \
        {"prompt": "Pick one", "options": ["a", "b", "c"], "answer": 1, "hint": "Think about the second letter now.",
         "explanation": "The second letter is the right one."}
    write_bank(tmp_path, monkeypatch, [{**base, **fields}])
    assert any(message in problem for problem in bank_problems("98")), bank_problems("98")


def write_bank(folder, monkeypatch, questions):
    from coursekit.lesson import quiz as quiz_module

    (folder / "98.json").write_text(json.dumps({"title": "test bank", "questions": questions}))
    monkeypatch.setattr(quiz_module, "BANKS", folder)


def multiple(options, answer):
    return {"kind": "multiple", "prompt": "Which hold?", "options": options, "answer": answer,
            "hint": "Think about what each one changes.", "explanation": "Those two are the ones that hold."}


def single(options, answer):
    return {"kind": "single", "prompt": "Which one?", "options": options, "answer": answer,
            "hint": "Think about what each one changes.", "explanation": "That one is the one that holds."}


def test_bank_problems_measures_option_length_in_multi_select_questions(tmp_path, monkeypatch):
    telling = multiple(["short", "a much longer option", "mid one"], [1, 2])
    fair = multiple(["short", "a much longer option", "mid one"], [0, 2])
    write_bank(tmp_path, monkeypatch, [telling, fair])
    assert bank_problems("98") == []  # one of two: half is allowed
    write_bank(tmp_path, monkeypatch, [telling, fair, telling])
    assert bank_problems("98") == ["98: a longest option is a correct one in 2 of 3 multi-select questions "
                                   "(98-Q1, 98-Q3); at most half may be"]
    tie = multiple(["same size", "same size", "short"], [1, 2])  # a tie for longest counts
    write_bank(tmp_path, monkeypatch, [tie])
    assert len(bank_problems("98")) == 1


def test_bank_problems_measures_option_length_in_single_choice_questions(tmp_path, monkeypatch):
    write_bank(tmp_path, monkeypatch, [single(["a", "bbbb", "cc"], 1), single(["a", "bb", "cccc"], 2),
                                       single(["aaaa", "bb", "c"], 1)])
    assert bank_problems("98") == ["98: the correct option is the longest in 2 of 3 single-choice questions "
                                   "(98-Q1, 98-Q2); at most half may be"]


def test_every_usual_position_holds_a_correct_option_across_banks():
    singles = [q for _, _, q in ALL_QUESTIONS if q.kind == "single"]
    usual = Counter(len(q.options) for q in singles).most_common(1)[0][0]
    assert {q.answer for q in singles} >= set(range(usual))
    multiples = [q for _, _, q in ALL_QUESTIONS if q.kind == "multiple"]
    first = {0 in q.answer for q in multiples}
    last = {len(q.options) - 1 in q.answer for q in multiples}
    assert first == last == {True, False}  # neither the first nor the last box is a safe bet


@pytest.mark.parametrize("extreme", [max, min], ids=["longest", "shortest"])
def test_option_length_does_not_give_the_answer_away_over_all_banks(extreme):
    # picking the longest (or the shortest) option must not score: at most a third of all single-choice
    # questions have it as the correct option (at most half of any one bank: bank_problems)
    singles = [(f"{lesson}-Q{i + 1}", q) for lesson, i, q in ALL_QUESTIONS if q.kind == "single"]
    telling = [name for name, q in singles if length_tells(q, extreme)]
    assert len(telling) <= len(singles) / 3, telling


def test_lesson_02_macro_f1_question_is_the_constant_answers_macro_f1():
    from coursekit.lesson.metrics import classification_scores

    question = next(q for q in load_bank("02").questions if q.kind == "numeric")
    positive, negative = (int(n) for n in re.findall(r"\b\d+\b", question.prompt)[:2])
    labels = [1] * positive + [0] * negative
    scores = classification_scores(labels, [0] * len(labels), average="binary")
    assert question.answer == pytest.approx(scores["macro_f1"], abs=0.001)
    assert not question.is_correct(scores["accuracy"]) and not question.is_correct(scores["f1"])


def numeric_question(lesson, words):
    """The numeric question of a bank whose prompt holds `words`."""
    return next(q for q in load_bank(lesson).questions if q.kind == "numeric" and words in q.prompt)


def test_lesson_03_entity_f1_question_is_seqevals_f1():
    from coursekit.lesson.metrics import entity_scores

    question = numeric_question("03", "entity F1")
    assert "4 gold entities" in question.prompt and "predicts 5 entities" in question.prompt
    assert "3 of them match" in question.prompt
    gold = ["B-PER", "O", "B-ORG", "O", "B-LOC", "O", "B-MISC", "O", "O"]
    predicted = ["B-PER", "O", "B-ORG", "O", "B-LOC", "O", "B-ORG", "O", "B-LOC"]  # 3 right, 2 invented
    assert question.answer == pytest.approx(entity_scores([gold], [predicted])["f1"], abs=0.001)
    assert not question.is_correct(0.6) and not question.is_correct(0.75)  # precision or recall alone


def test_lesson_03_accumulation_question_is_the_token_share():
    question = numeric_question("03", "labelled tokens")
    assert "40 labelled tokens" in question.prompt and "other three has 120" in question.prompt
    assert question.answer == pytest.approx(40 / (40 + 3 * 120))
    assert not question.is_correct(0.25)  # the naive mean of four means


def test_lesson_04_window_question_is_what_the_tokenizer_returns():
    from transformers import AutoTokenizer

    from coursekit.lesson.models import checkpoint_for

    question = numeric_question("04", "windows")
    tokenizer = AutoTokenizer.from_pretrained(checkpoint_for("qa", "offline"))
    words = {"question": 20, "context": 300}
    assert all(f"{name} of {n} tokens" in question.prompt for name, n in words.items())
    assert "max_length=128" in question.prompt and "stride=32" in question.prompt
    encoded = tokenizer(" ".join(["word"] * 20), " ".join(["cat"] * 300), max_length=128, stride=32,
                        truncation="only_second", return_overflowing_tokens=True)
    assert [len(tokenizer(" ".join(["word"] * n))["input_ids"]) - 2 for n in words.values()] == list(words.values())
    assert question.is_correct(len(encoded["input_ids"]))
    assert not question.is_correct(3)  # windows without the overlap


def test_lesson_04_f1_question_is_squad_f1_of_its_prompt():
    question = numeric_question("04", "SQuAD F1")
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
