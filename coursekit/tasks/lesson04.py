"""Lesson 04's tasks: characters to tokens, the best valid span, SQuAD's F1 for one answer.
References, visible cases, hidden-case generators and known wrong answers."""

from __future__ import annotations

import collections
import random
import re
import string

from .compare import close, exact
from .registry import Case, Misconception, Task, register
from .vocabulary import WORDS

F1_TOLERANCE = 1e-9


# ---- references (run in the grader's process only) -------------------------------------------------

def answer_token_span(offsets, sequence_ids, start_char, end_char):
    """(start, end) context tokens of the answer, or (0, 0) when the window does not hold all of it."""
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    if offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return (0, 0)
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return (start, end)


def best_span(start_logits, end_logits, offsets, max_answer_tokens, *, ordered=True, skip_none=True, extra=0):
    """The (start, end) inside the context with the highest start + end score, at most
    `max_answer_tokens` long (keywords: the known wrong variants)."""
    best, best_score = None, float("-inf")
    for start in range(len(start_logits)):
        last = min(start + max_answer_tokens + extra, len(end_logits)) if ordered else len(end_logits)
        ends = range(start if ordered else 0, last)
        for end in ends:
            if skip_none and (offsets[start] is None or offsets[end] is None):
                continue
            score = start_logits[start] + end_logits[end]
            if score > best_score:
                best, best_score = (start, end), score
    return best


def _words(text: str, lower=True, delete_punctuation=True, articles=True) -> list[str]:
    text = text.lower() if lower else text
    text = "".join(ch if ch not in string.punctuation else ("" if delete_punctuation else " ") for ch in text)
    return re.sub(r"\b(a|an|the)\b", " ", text).split() if articles else text.split()


def answer_f1(prediction, truth, *, counts=True, **normalise):
    """SQuAD v1.1 F1 of one prediction against one true answer (keywords: the known wrong variants)."""
    predicted, true = _words(prediction, **normalise), _words(truth, **normalise)
    if counts:
        same = sum((collections.Counter(predicted) & collections.Counter(true)).values())
    else:
        same = len(set(predicted) & set(true))
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(true)
    return 2 * precision * recall / (precision + recall)


# ---- known wrong answers -----------------------------------------------------------------------------

def _any_sequence(offsets, sequence_ids, start_char, end_char):
    return answer_token_span(offsets, [None if s is None else 1 for s in sequence_ids], start_char, end_char)


def _end_after(offsets, sequence_ids, start_char, end_char):
    start, end = answer_token_span(offsets, sequence_ids, start_char, end_char)
    return (start, end + 1) if (start, end) != (0, 0) else (0, 0)


def _no_window_check(offsets, sequence_ids, start_char, end_char):
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    start = next((i for i in context if offsets[i][1] > start_char), 0)
    end = next((i for i in reversed(context) if offsets[i][0] < end_char), 0)
    return (start, end)


# ---- hidden cases ----------------------------------------------------------------------------------------

def _context(rng: random.Random) -> tuple[list, list]:
    """Token offsets of a random context (some words in two pieces) and each word's (start, end)."""
    tokens, words, position = [], [], 0
    for word in (rng.choice(WORDS) for _ in range(rng.randint(4, 12))):
        cut = rng.randint(1, len(word) - 1) if len(word) > 3 and rng.random() < 0.3 else len(word)
        tokens += [(position, position + cut)] + ([(position + cut, position + len(word))] if cut < len(word) else [])
        words.append((position, position + len(word)))
        position += len(word) + 1
    return tokens, words


def _hidden_token_span(rng: random.Random) -> Case:
    tokens, words = _context(rng)
    first = rng.randrange(len(words))
    last = rng.randrange(first, min(first + 3, len(words)))
    begin = rng.randint(0, len(tokens) // 3) if rng.random() < 0.5 else 0
    stop = rng.randint(2 * len(tokens) // 3, len(tokens)) if rng.random() < 0.5 else len(tokens)
    stop = max(stop, begin + 1)
    question = [(0, 3), (4, 8), (9, 12)][: rng.randint(1, 3)]
    offsets = [(0, 0)] + question + [(0, 0)] + tokens[begin:stop] + [(0, 0)]
    sequence_ids = [None] + [0] * len(question) + [None] + [1] * (stop - begin) + [None]
    return Case(([list(pair) for pair in offsets], sequence_ids, words[first][0], words[last][1]))


def _hidden_best_span(rng: random.Random) -> Case:
    question, context = rng.randint(1, 4), rng.randint(3, 14)
    offsets = [None] * (question + 2) + [[4 * i, 4 * i + 3] for i in range(context)] + [None]
    start = [round(rng.uniform(-5, 9), 6) for _ in offsets]
    end = [round(rng.uniform(-5, 9), 6) for _ in offsets]
    return Case((start, end, offsets, rng.randint(1, 5)))


def _hidden_f1(rng: random.Random) -> Case:
    shared = [rng.choice(WORDS) for _ in range(rng.randint(0, 3))]

    def answer():
        words = shared + [rng.choice(WORDS) for _ in range(rng.randint(0, 3))] or [rng.choice(WORDS)]
        words = [w.upper() if rng.random() < 0.2 else w.lower() if rng.random() < 0.3 else w for w in words]
        words += [words[0]] if rng.random() < 0.5 else []  # counts matter only where both repeat a word
        rng.shuffle(words)
        text = " ".join(words)
        text = ("the " if rng.random() < 0.4 else "") + text + ("." if rng.random() < 0.3 else "")
        return text.replace(" ", "-", 1) if rng.random() < 0.2 else text

    return Case((answer(), answer()))


_OFFSETS = [[0, 0], [0, 3], [3, 4], [0, 0], [0, 7], [8, 13], [14, 20], [21, 24], [24, 30], [30, 31], [0, 0]]
_SEQUENCE_IDS = [None, 0, 0, None, 1, 1, 1, 1, 1, 1, None]
_WINDOW = "\"[CLS] who ? [SEP] siemens hired werner zwingmann . [SEP]\"; context: \"Siemens hired Werner Zwingmann.\""
_CONTEXT_ONLY = [None, None, [0, 3], [4, 9], [10, 15], [16, 20], None]


def _span_case(label, start_char, end_char, offsets=_OFFSETS, sequence_ids=_SEQUENCE_IDS) -> Case:
    args = (offsets, sequence_ids, start_char, end_char)
    shown = (f"offsets = {[tuple(o) for o in offsets]}, sequence_ids = {sequence_ids}, start_char = {start_char}, "
             f"end_char = {end_char}")
    return Case(args, label, shown)


register(
    Task("04-answer-token-span", "Characters to tokens", "answer_token_span",
         ("offsets", "sequence_ids", "start_char", "end_char"), "offsets", answer_token_span, exact,
         visible=(_span_case(f"the answer 'Werner Zwingmann' (characters 14-30) in the window {_WINDOW}", 14, 30),
                  _span_case("an answer cut off by the end of the window", 14, 30,
                             _OFFSETS[:7] + [[0, 0]], _SEQUENCE_IDS[:7] + [None]),
                  _span_case("a one-token answer at the start of the context", 0, 7)),
         hidden=_hidden_token_span,
         nudge="Only context tokens (sequence id 1) can hold the answer, and a window may hold only part of it.",
         hint="If the first context token starts after start_char or the last one ends before end_char, the "
              "answer is not all in this window: (0, 0). Otherwise start is the first context token ending "
              "after start_char, end the last context token starting before end_char.",
         misconceptions=(Misconception(_any_sequence, "Question tokens have offsets too (in the question's "
                                       "text): look only at tokens whose sequence id is 1."),
                         Misconception(_end_after, "end is the position of the answer's last token "
                                       "(included), not the one after it."),
                         Misconception(_no_window_check, "When the window does not hold the whole answer, "
                                       "return (0, 0)."))),
    Task("04-best-span", "The best valid span", "best_span",
         ("start_logits", "end_logits", "offsets", "max_answer_tokens"), "span_offsets", best_span, exact,
         visible=(Case(([0, 0, 1, 5, 0, 0, 0], [0, 0, 0, 1, 4, 0, 0], _CONTEXT_ONLY, 30),
                       "the highest scores inside the context"),
                  Case(([9, 9, 1, 2, 0, 0, 0], [9, 9, 0, 3, 1, 0, 0], _CONTEXT_ONLY, 30),
                       "the top scores on question tokens (offset None)"),
                  Case(([0, 0, 6, 1, 0, 7, 0], [0, 0, 0, 1, 8, 6, 0], _CONTEXT_ONLY, 2),
                       "an end before its start, and spans longer than 2 tokens")),
         hidden=_hidden_best_span,
         nudge="A valid span lies inside the context, ends at or after its start and is at most "
               "max_answer_tokens long; among those, the score is start + end.",
         hint="Try every start and every end; skip pairs where either offset is None, where end < start or "
              "where end - start + 1 > max_answer_tokens; keep the pair with the highest "
              "start_logits[start] + end_logits[end].",
         misconceptions=(Misconception(lambda *a: best_span(*a, skip_none=False), "Tokens whose offset is "
                                       "None (question and special tokens) cannot be part of the answer."),
                         Misconception(lambda *a: best_span(*a, ordered=False), "end must not come before "
                                       "start, and the span must not be longer than max_answer_tokens."),
                         Misconception(lambda *a: best_span(*a, extra=1), "A span of max_answer_tokens tokens "
                                       "is the longest allowed: end - start + 1 <= max_answer_tokens."))),
    Task("04-answer-f1", "SQuAD's F1 for one answer", "answer_f1", ("prediction", "truth"), "args",
         answer_f1, close(F1_TOLERANCE),
         visible=(Case(("the Denver Broncos", "Denver Broncos"), "an article"),
                  Case(("Denver", "Denver Broncos"), "a partial answer"),
                  Case(("DENVER Broncos", "the denver broncos"), "the same words in other capitals"),
                  Case(("go go go", "go go"), "a repeated word"),
                  Case(("U.S.-based firms", "US-based firm"), "punctuation inside words"),
                  Case(("Carolina", "Denver Broncos"), "nothing in common")),
         hidden=_hidden_f1,
         nudge="Normalise both texts the SQuAD way first, then count the shared words as often as they "
               "appear in both.",
         hint="Lower case, delete punctuation (do not replace it by a space), remove a/an/the, split on white "
              "space; shared = the overlap of the two word counts (collections.Counter can intersect); "
              "precision = shared / predicted words, recall = shared / true words, F1 their harmonic mean.",
         misconceptions=(Misconception(lambda p, t: answer_f1(p, t, lower=False), "Lower-case both texts "
                                       "first: 'Denver' and 'denver' are the same word for SQuAD."),
                         Misconception(lambda p, t: answer_f1(p, t, counts=False), "Count repeated words: "
                                       "the overlap is the shared word counts, not the shared set of words."),
                         Misconception(lambda p, t: answer_f1(p, t, delete_punctuation=False), "Punctuation "
                                       "is deleted, not replaced by a space ('U.S.-based' -> 'usbased')."),
                         Misconception(lambda p, t: answer_f1(p, t, articles=False), "Remove the articles "
                                       "a, an and the before comparing."))),
)
