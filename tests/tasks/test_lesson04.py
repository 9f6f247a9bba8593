"""Lesson 04's tasks against independent expectations: hand-worked spans and scores, a brute-force
best span, SQuAD's own F1, a real fast tokenizer's offsets; learner-style wrong answers get their
feedback; the hidden cases are valid inputs that catch every known wrong answer on their own."""

import collections
import itertools
import random
import re
import string
from pathlib import Path

import pytest

from coursekit.lesson.metrics import squad_f1
from coursekit.lesson.models import checkpoint_for
from coursekit.tasks import lesson04
from coursekit.tasks.registry import get_task
from coursekit.tasks.verdict import FAILED, PASSED
from tests.tasks.grading import feedback, grade

SPAN, BEST, F1 = "04-answer-token-span", "04-best-span", "04-answer-f1"


# ---- answer_token_span ----------------------------------------------------------------------------------
# "[CLS] who ? [SEP] siemens hired werner z ##wing ##mann . [SEP]" for "who?" and the context
# "Siemens hired Werner Zwingmann." (the offsets bert-base-uncased's fast tokenizer gives)

QUESTION = [(0, 0), (0, 3), (3, 4), (0, 0)]
CONTEXT = [(0, 7), (8, 13), (14, 20), (21, 22), (22, 26), (26, 30), (30, 31)]


def window(first, stop):
    """Offsets and sequence ids of a window that holds context tokens first..stop-1."""
    tokens = CONTEXT[first:stop]
    return ([list(o) for o in QUESTION + tokens + [(0, 0)]],
            [None, 0, 0, None] + [1] * len(tokens) + [None])


WHOLE = window(0, 7)
SPANS = {  # behaviour: (offsets, sequence_ids, start_char, end_char, expected)
    "a name of two words, ending just before the full stop": (*WHOLE, 14, 30, (6, 9)),
    "the first context token, at the window's start edge": (*WHOLE, 0, 7, (4, 4)),
    "the last context token, ending at the window's end edge": (*WHOLE, 30, 31, (10, 10)),
    "an answer starting inside a word, where a word piece starts": (*WHOLE, 22, 30, (8, 9)),
    "an answer ending inside a word, where a word piece ends": (*WHOLE, 14, 26, (6, 8)),
    "a word and the full stop after it": (*WHOLE, 21, 31, (7, 10)),
    "the whole context": (*WHOLE, 0, 31, (4, 10)),
    "an answer starting before the window (only the start is out)": (*window(1, 7), 0, 13, (0, 0)),
    "an answer ending after the window (only the end is out)": (*window(0, 4), 14, 30, (0, 0)),
    "an answer ending one character after the window": (*window(0, 6), 21, 31, (0, 0)),
    "an answer starting one character before the window": (*window(4, 7), 21, 31, (0, 0)),
    "a window holding exactly the answer": (*window(2, 6), 14, 30, (4, 7)),
    "an answer wholly after the window": (*window(0, 2), 14, 20, (0, 0)),
    "an answer wholly before the window": (*window(3, 7), 0, 7, (0, 0)),
    "an answer starting where a word piece starts, cut by the window's end": (*window(0, 6), 22, 31, (0, 0)),
    "an answer before the window, ending where the window starts": (*window(4, 7), 14, 22, (0, 0)),
}


@pytest.mark.parametrize("behaviour", SPANS)
def test_answer_token_span_hand_worked(behaviour):
    offsets, sequence_ids, start_char, end_char, expected = SPANS[behaviour]
    assert tuple(lesson04.answer_token_span(offsets, sequence_ids, start_char, end_char)) == expected


def test_answer_token_span_ignores_question_tokens_with_the_same_characters():
    # the question "Siemens?" has offsets 0-7 too: only sequence id 1 may hold the answer
    offsets = [[0, 0], [0, 7], [7, 8], [0, 0], [0, 7], [8, 13], [0, 0]]
    assert tuple(lesson04.answer_token_span(offsets, [None, 0, 0, None, 1, 1, None], 0, 7)) == (4, 4)


def test_answer_token_span_matches_a_real_fast_tokenizers_windows():
    # the offline model's own tokenizer (the `tokenizers` library: a fraction of a second, no transformers)
    # cuts a long context into overlapping windows; the expected span is worked out independently, as the
    # context tokens that overlap the answer's characters, or (0, 0) when some character is in no token
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(checkpoint_for("sentiment")) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=24, stride=6, strategy="only_second")
    context = ("Siemens hired Werner Zwingmann, an U.S.-based engineer, in 1998; the Berlin office grew "
               "quickly afterwards, and Zwingmann's team (twelve people) built the first prototypes.")
    encoding = tokenizer.encode("Who did Siemens hire?", context)
    windows = [encoding] + encoding.overflowing
    assert len(windows) >= 4
    answers = [(m.start(), m.end()) for m in re.finditer(r"\S+", context)]
    answers += [(a[0], b[1]) for a, b in zip(answers, answers[2:])]  # three words
    inside = outside = 0
    for piece in windows:
        offsets, sequence_ids = [list(o) for o in piece.offsets], list(piece.sequence_ids)
        tokens = [i for i, s in enumerate(sequence_ids) if s == 1]
        covered = {c for i in tokens for c in range(*offsets[i])}
        for start_char, end_char in answers:
            answer_chars = {c for c in range(start_char, end_char) if not context[c].isspace()}
            overlap = [i for i in tokens if offsets[i][0] < end_char and offsets[i][1] > start_char]
            expected = (min(overlap), max(overlap)) if answer_chars <= covered else (0, 0)
            inside += expected != (0, 0)
            outside += expected == (0, 0)
            got = lesson04.answer_token_span(offsets, sequence_ids, start_char, end_char)
            assert tuple(got) == expected, (piece.tokens, start_char, end_char)
    assert inside > 20 and outside > 20


# ---- best_span -------------------------------------------------------------------------------------------

def brute_best_span(start_logits, end_logits, offsets, max_answer_tokens):
    """Every valid (start, end); the highest start + end score, ties to the earliest start, then end."""
    n = len(start_logits)
    valid = [(s, e) for s, e in itertools.product(range(n), repeat=2)
             if offsets[s] is not None and offsets[e] is not None and s <= e < s + max_answer_tokens]
    return max(valid, key=lambda p: (start_logits[p[0]] + end_logits[p[1]], -p[0], -p[1]), default=None)


C = [None, None, [0, 3], [4, 9], [10, 15], [16, 20], None]  # [CLS] q [SEP] four context tokens [SEP]
BEST_SPANS = {  # behaviour: (start_logits, end_logits, offsets, max_answer_tokens, expected)
    "the highest start plus end inside the context": ([0, 0, 1, 5, 0, 0, 0], [0, 0, 0, 1, 4, 0, 0], C, 30, (3, 4)),
    "the best start on a question token is skipped": ([9, 9, 1, 2, 0, 0, 0], [0, 0, 0, 3, 1, 0, 0], C, 30, (3, 3)),
    "the best end on the final [SEP] is skipped": ([0, 0, 1, 5, 0, 0, 0], [0, 0, 0, 1, 2, 0, 9], C, 30, (3, 4)),
    "the best end before its start is not allowed": ([0, 0, 0, 0, 8, 0, 0], [0, 0, 0, 7, 1, 0, 0], C, 30, (4, 4)),
    "a span of exactly max_answer_tokens is allowed": ([0, 0, 5, 0, 0, 0, 0], [0, 0, 0, 0, 5, 0, 0], C, 3, (2, 4)),
    "a span one token longer than max_answer_tokens is not": ([0, 0, 5, 0, 0, 0, 0], [0, 0, 0, 0, 0, 5, 0], C, 3,
                                                              (2, 2)),
    "a one-token limit": ([0, 0, 5, 1, 0, 0, 0], [0, 0, 0, 2, 0, 6, 0], C, 1, (5, 5)),
    "the sum, not the difference, of the scores": ([0, 0, 1, 2, 0, 0, 0], [0, 0, 3, 1, 0, 0, 0], C, 30, (2, 2)),
    "a tie goes to the earliest start, then the earliest end": ([0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1, 0], C,
                                                                30, (2, 3)),
    "negative scores only": ([-9, -9, -3, -1, -4, -5, -9], [-9, -9, -8, -6, -2, -7, -9], C, 30, (3, 4)),
    "no None offsets at all: position 0 may end a span": ([0, 3, 0], [3, 0, 0], [[0, 1], [2, 3], [4, 5]], 2, (0, 0)),
    "no context token at all": ([1, 2, 3], [1, 2, 3], [None, None, None], 30, None),
}


@pytest.mark.parametrize("behaviour", BEST_SPANS)
def test_best_span_hand_worked(behaviour):
    *args, expected = BEST_SPANS[behaviour]
    assert brute_best_span(*args) == expected  # the brute force agrees with the hand-worked table
    got = lesson04.best_span(*args)
    assert (None if got is None else tuple(got)) == expected


def test_best_span_equals_a_brute_force_search_on_random_scores():
    rng = random.Random(4)
    for _ in range(300):
        n, question = rng.randint(3, 12), rng.randint(0, 3)
        offsets = [None if i < question or (i == n - 1 and rng.random() < 0.7) else [i, i + 1] for i in range(n)]
        start = [rng.randint(-3, 3) for _ in range(n)]  # small integers: many ties
        end = [rng.randint(-3, 3) for _ in range(n)]
        limit = rng.randint(1, 5)
        got = lesson04.best_span(start, end, offsets, limit)
        assert (None if got is None else tuple(got)) == brute_best_span(start, end, offsets, limit)


# ---- answer_f1 -------------------------------------------------------------------------------------------

F1_CASES = {  # behaviour: (prediction, truth, expected)
    "an article is removed": ("the Denver Broncos", "Denver Broncos", 1.0),
    "a partial answer": ("Denver", "Denver Broncos", 2 / 3),
    "other capitals": ("DENVER Broncos", "the denver broncos", 1.0),
    "a repeated word counts as often as it is in both": ("go go go", "go go", 0.8),
    "punctuation inside a word is deleted, not a space": ("U.S.-based firms", "US-based firm", 0.5),
    "nothing in common": ("Carolina", "Denver Broncos", 0.0),
    "only articles on both sides": ("a", "The", 0.0),
    "'an' and 'a' are articles, 'and' is not": ("an apple and a pear", "apple pear and", 1.0),
    "punctuation around words": ("Hello, world!", "hello world", 1.0),
    "precision and recall differ": ("red green blue", "red yellow", 0.4),
}


@pytest.mark.parametrize("behaviour", F1_CASES)
def test_answer_f1_hand_worked(behaviour):
    prediction, truth, expected = F1_CASES[behaviour]
    assert lesson04.answer_f1(prediction, truth) == pytest.approx(expected, abs=1e-12)
    assert squad_f1(prediction, truth) == pytest.approx(expected, abs=1e-12)


def test_answer_f1_equals_squads_f1_on_random_texts():
    rng = random.Random(4)
    pieces = ["the", "a", "an", "The", "AN", "Denver", "denver", "go", "U.S.", "co-op", "and", "x!", "(y)", "it's"]
    for _ in range(500):
        texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(2)]
        assert lesson04.answer_f1(*texts) == pytest.approx(squad_f1(*texts), abs=1e-12), texts


# ---- known wrong answers, as learners write them ---------------------------------------------------------

def span_any_sequence(offsets, sequence_ids, start_char, end_char):  # every non-special token
    tokens = [i for i, s in enumerate(sequence_ids) if s is not None]
    if offsets[tokens[0]][0] > start_char or offsets[tokens[-1]][1] < end_char:
        return (0, 0)
    start = [i for i in tokens if offsets[i][1] > start_char][0]
    end = [i for i in tokens if offsets[i][0] < end_char][-1]
    return (start, end)


def span_end_exclusive(offsets, sequence_ids, start_char, end_char):  # end one past the last token
    context = [i for i, s in enumerate(sequence_ids) if s == 1]
    if offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return (0, 0)
    start = min(i for i in context if offsets[i][1] > start_char)
    return (start, max(i for i in context if offsets[i][0] < end_char) + 1)


def span_no_window_check(offsets, sequence_ids, start_char, end_char):  # 0 where nothing is found
    start = end = 0
    for i, s in enumerate(sequence_ids):
        if s == 1 and offsets[i][1] > start_char:
            start = i
            break
    for i in reversed(range(len(sequence_ids))):
        if sequence_ids[i] == 1 and offsets[i][0] < end_char:
            end = i
            break
    return (start, end)


def visible(task_id):
    return list(get_task(task_id).visible)


@pytest.mark.parametrize("answer, message", [
    (span_any_sequence, "Question tokens have offsets too"),
    (span_end_exclusive, "end is the position of the answer's last token"),
    (span_no_window_check, "When the window does not hold the whole answer"),
])
def test_answer_token_span_wrong_answers_get_their_feedback(answer, message):
    assert message in feedback(SPAN, answer, *visible(SPAN))


@pytest.mark.parametrize("behaviour", ["an answer wholly after the window", "an answer wholly before the window",
                                       "an answer starting before the window (only the start is out)",
                                       "an answer starting where a word piece starts, cut by the window's end",
                                       "an answer before the window, ending where the window starts"])
def test_no_window_check_is_recognised_wherever_the_answer_lies(behaviour):
    *args, _ = SPANS[behaviour]
    assert "When the window does not hold the whole answer" in feedback(SPAN, span_no_window_check, args)


@pytest.mark.parametrize("behaviour", ["the last context token, ending at the window's end edge",
                                       "an answer starting inside a word, where a word piece starts"])
def test_span_wrong_answers_are_recognised_on_other_cases(behaviour):
    *args, _ = SPANS[behaviour]
    assert "end is the position of the answer's last token" in feedback(SPAN, span_end_exclusive, args)


def best_with_question_tokens(start_logits, end_logits, offsets, max_answer_tokens):  # forgets None offsets
    pairs = [(s, e) for s in range(len(start_logits)) for e in range(s, min(s + max_answer_tokens, len(end_logits)))]
    return max(pairs, key=lambda p: (start_logits[p[0]] + end_logits[p[1]], -p[0], -p[1]))


def best_any_order(start_logits, end_logits, offsets, max_answer_tokens):  # any end, any length
    pairs = [(s, e) for s in range(len(start_logits)) for e in range(len(end_logits))
             if offsets[s] is not None and offsets[e] is not None]
    return max(pairs, key=lambda p: (start_logits[p[0]] + end_logits[p[1]], -p[0], -p[1]))


def best_one_too_long(start_logits, end_logits, offsets, max_answer_tokens):  # end - start <= max
    pairs = [(s, e) for s in range(len(start_logits)) for e in range(len(end_logits))
             if offsets[s] is not None and offsets[e] is not None and 0 <= e - s <= max_answer_tokens]
    return max(pairs, key=lambda p: (start_logits[p[0]] + end_logits[p[1]], -p[0], -p[1]))


BEST_WRONG = [(best_with_question_tokens, "Tokens whose offset is None"),
              (best_any_order, "end must not come before start"),
              (best_one_too_long, "A span of max_answer_tokens tokens is the longest allowed")]


@pytest.mark.parametrize("answer, message", BEST_WRONG)
def test_best_span_wrong_answers_get_their_feedback(answer, message):
    assert message in feedback(BEST, answer, *visible(BEST))


@pytest.mark.parametrize("behaviour, answer, message", [
    ("the best end on the final [SEP] is skipped", *BEST_WRONG[0]),
    ("the best end before its start is not allowed", *BEST_WRONG[1]),
    ("no None offsets at all: position 0 may end a span", *BEST_WRONG[1]),
    ("a span one token longer than max_answer_tokens is not", *BEST_WRONG[1]),  # ambiguous: the first message
])
def test_best_span_wrong_answers_are_recognised_on_other_cases(behaviour, answer, message):
    *args, _ = BEST_SPANS[behaviour]
    assert message in feedback(BEST, answer, args)


def _normalised(text, lower=True, delete=True, articles=True):
    text = text.lower() if lower else text
    if delete:
        text = "".join(ch for ch in text if ch not in string.punctuation)
    else:
        text = "".join(" " if ch in string.punctuation else ch for ch in text)
    words = text.split()
    return [w for w in words if w not in ("a", "an", "the")] if articles else words


def _f1(predicted, true, counts=True):
    if counts:
        same = sum((collections.Counter(predicted) & collections.Counter(true)).values())
    else:
        same = len(set(predicted) & set(true))
    return 0.0 if same == 0 else 2 * same / (len(predicted) + len(true))


F1_WRONG = [
    (lambda p, t: _f1(_normalised(p, lower=False), _normalised(t, lower=False)), "Lower-case both texts",
     ("DENVER Broncos", "the denver broncos")),
    (lambda p, t: _f1(_normalised(p), _normalised(t), counts=False), "Count repeated words", ("go go go", "go go")),
    (lambda p, t: _f1(_normalised(p, delete=False), _normalised(t, delete=False)), "Punctuation is deleted",
     ("U.S.-based firms", "US-based firm")),
    (lambda p, t: _f1(_normalised(p, articles=False), _normalised(t, articles=False)), "Remove the articles",
     ("the Denver Broncos", "Denver Broncos")),
]


@pytest.mark.parametrize("answer, message, case", F1_WRONG, ids=["lower", "counts", "punctuation", "articles"])
def test_answer_f1_wrong_answers_get_their_feedback(answer, message, case):
    assert message in feedback(F1, answer, *visible(F1))
    assert message in feedback(F1, answer, case)
    if message != "Lower-case both texts":  # with capitals on one side only, the other side matters too
        return
    assert message in feedback(F1, answer, ("denver broncos", "Denver Broncos"))


def test_f1_without_lower_case_is_not_taken_for_another_mistake():
    # "The" is an article only once lower-cased: not the articles mistake
    answer, _, _ = F1_WRONG[0]
    result = grade(F1, answer, ("The Denver", "Denver"))
    assert result["status"] == FAILED and "Remove the articles" not in result["message"], result


def test_a_right_answer_passes_the_hand_worked_cases():
    assert grade(F1, squad_f1, *[c[:2] for c in F1_CASES.values()])["status"] == PASSED
    assert grade(BEST, brute_best_span, *[c[:4] for c in BEST_SPANS.values() if c[-1] is not None])["status"] == PASSED


# ---- hidden cases -----------------------------------------------------------------------------------------

def draws(task_id, count=200):
    task = get_task(task_id)
    return [task.hidden(random.Random(seed)) for seed in range(count)]


def test_span_hidden_cases_are_valid_windows():
    for case in draws(SPAN):
        offsets, sequence_ids, start_char, end_char = case.args
        assert len(offsets) == len(sequence_ids) and sequence_ids[0] is None and sequence_ids[-1] is None
        assert all(o == [0, 0] for o, s in zip(offsets, sequence_ids) if s is None)  # special tokens, as a fast
        # tokenizer gives them
        context = [i for i, s in enumerate(sequence_ids) if s == 1]
        assert context and context == list(range(context[0], context[-1] + 1))  # one block, at least a token
        pieces = [offsets[i] for i in context]
        assert all(0 <= s < e for s, e in pieces), pieces  # no empty or reversed token
        assert all(a[1] <= b[0] for a, b in zip(pieces, pieces[1:])), pieces  # increasing, not overlapping
        assert 0 <= start_char < end_char


def test_context_tokens_cover_each_word_exactly():
    rng = random.Random(4)
    split = 0
    for _ in range(200):
        tokens, words = lesson04._context(rng)
        assert words and tokens[0][0] == 0 and all(s < e for s, e in tokens)
        # the words' characters are exactly the tokens' characters: a word is one token or two adjoining ones
        assert [c for s, e in tokens for c in range(s, e)] == [c for s, e in words for c in range(s, e)]
        assert all(a[1] < b[0] for a, b in zip(words, words[1:]))  # words apart, in order
        assert {s for s, _ in words} <= {s for s, _ in tokens} and {e for _, e in words} <= {e for _, e in tokens}
        split += len(tokens) > len(words)
    assert split > 50  # word pieces are drawn


def test_span_hidden_cases_draw_answers_in_out_and_at_the_edges_of_the_window():
    kinds = collections.Counter()
    for case in draws(SPAN):
        offsets, sequence_ids, start_char, end_char = case.args
        context = [i for i, s in enumerate(sequence_ids) if s == 1]
        first, last = offsets[context[0]], offsets[context[-1]]
        kinds["starts before the window"] += first[0] > start_char
        kinds["ends after the window"] += last[1] < end_char
        inside = first[0] <= start_char and end_char <= last[1]
        kinds["inside"] += inside
        kinds["at the start edge"] += inside and first[0] == start_char
        kinds["at the end edge"] += inside and last[1] == end_char
        kinds["starts in a question's characters"] += inside and start_char < 12
    assert all(kinds[k] >= 10 for k in kinds) and len(kinds) == 6, kinds


def test_best_span_hidden_cases_have_one_best_span():
    # no tie at the top: a right answer that breaks ties its own way is never failed by a hidden case
    for case in draws(BEST):
        start, end, offsets, limit = case.args
        scores = sorted(start[s] + end[e] for s, e in itertools.product(range(len(start)), repeat=2)
                        if offsets[s] is not None and offsets[e] is not None and s <= e < s + limit)
        assert len(scores) == 1 or scores[-1] > scores[-2], case.args


def test_best_span_hidden_cases_are_valid():
    for case in draws(BEST):
        start, end, offsets, limit = case.args
        assert len(start) == len(end) == len(offsets) and limit >= 1
        assert offsets[0] is None and offsets[-1] is None
        context = [o for o in offsets if o is not None]
        assert context and all(0 <= s < e for s, e in context)
        assert all(a[1] <= b[0] for a, b in zip(context, context[1:]))
        assert offsets[offsets.index(context[0]):offsets.index(context[-1]) + 1] == context  # one block


@pytest.mark.parametrize("task_id", [SPAN, BEST, F1])
def test_hidden_cases_alone_catch_each_known_wrong_answer(task_id):
    # 200 hidden cases (40 evaluations' worth): each known wrong answer is wrong on a fair share of them, and
    # a table of the visible answers is no help
    task = get_task(task_id)
    cases = draws(task_id)
    for known in task.misconceptions:
        wrong = sum(task.compare(task.reference(*c.args), known.answer(*c.args)) is not None for c in cases)
        assert wrong >= 10, (known.message, wrong)
    visible_args = {repr(c.args) for c in task.visible}
    assert not any(repr(c.args) in visible_args for c in cases)
    expected = [task.reference(*c.args) for c in cases]
    assert len({repr(e) for e in expected}) >= 20  # no few answers to guess from


def test_f1_hidden_cases_mix_the_features_the_known_wrong_answers_miss():
    features = collections.Counter()
    for case in draws(F1):
        for text in case.args:
            features["capitals"] += text != text.lower()
            features["article"] += bool(re.search(r"\bthe\b", text, re.I))
            features["hyphen"] += "-" in text
            features["full stop"] += "." in text
            words = text.lower().replace("-", " ").split()
            features["repeated word"] += len(words) > len(set(words))
        features["shared word"] += squad_f1(*case.args) > 0
        features["no shared word"] += squad_f1(*case.args) == 0
    assert all(features[k] >= 10 for k in features) and len(features) == 7, features


def test_span_case_shows_the_input_as_the_learner_writes_it():
    case = lesson04._span_case("an answer", 14, 30, [[0, 0], [0, 7], [0, 0]], [None, 1, None])
    assert case.args == ([[0, 0], [0, 7], [0, 0]], [None, 1, None], 14, 30) and case.label == "an answer"
    assert case.shown == ("offsets = [(0, 0), (0, 7), (0, 0)], sequence_ids = [None, 1, None], start_char = 14, "
                          "end_char = 30")
