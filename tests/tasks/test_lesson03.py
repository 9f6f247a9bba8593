"""Lesson 03's tasks: the references against hand-worked answers and independent implementations,
the known wrong answers as a learner would write them (each gets its own feedback through the
grading path), and what the hidden cases must draw for the grading to catch them."""

import random

import pytest

from coursekit.tasks import lesson03
from coursekit.tasks.registry import get_task
from tests.tasks.grading import SEEDS, caught, feedback, hidden_draws


# ---- 03-align-labels: reference -------------------------------------------------------------------

@pytest.mark.parametrize("word_ids,word_tags,expected", [
    ([None, 0, 1, 1, 2, None], [1, 2, 0], [-100, 1, 2, -100, 0, -100]),
    ([None, 0, 0, 0, 1, None], [3, 0], [-100, 3, -100, -100, 0, -100]),
    ([None, 0, 1, 2, None], [4, 0, 7], [-100, 4, 0, 7, -100]),         # one piece per word: every tag kept
    ([0, 0, 1], [5, 6], [5, -100, 6]),                                    # no special tokens
    ([None, 0, 0, None, None], [2], [-100, 2, -100, -100, -100]),         # padding after [SEP]
    ([None, 0, 1, 1, 1, 1, 2, 2, None], [0, 8, 3], [-100, 0, 8, -100, -100, -100, 3, -100, -100]),
], ids=["split word", "three pieces first", "whole words", "no specials", "padding", "long pieces"])
def test_align_labels_tags_the_first_piece_of_each_word_only(word_ids, word_tags, expected):
    assert lesson03.align_labels(word_ids, word_tags) == expected


def first_piece_labels(word_ids, word_tags):
    """Independently: a position is a word's first piece when its word id differs from the one before."""
    return [word_tags[w] if w is not None and (i == 0 or word_ids[i - 1] != w) else -100
            for i, w in enumerate(word_ids)]


def test_align_labels_equals_a_position_by_position_reading_on_hidden_cases():
    for case in hidden_draws("03-align-labels"):
        assert lesson03.align_labels(*case.args) == first_piece_labels(*case.args), case.args


# ---- 03-align-labels: known wrong answers ----------------------------------------------------------

ALIGN_CASES = [([None, 0, 0, 1, None], [3, 5]), ([None, 0, 1, 1, 1, None], [2, 0])]


def tag_every_piece(word_ids, word_tags):
    return [-100 if w is None else word_tags[w] for w in word_ids]


def zero_on_special_tokens(word_ids, word_tags):
    labels, previous = [], None
    for w in word_ids:
        labels.append(0 if w is None else (-100 if w == previous else word_tags[w]))
        previous = w
    return labels


@pytest.mark.parametrize("answer,message", [
    (tag_every_piece, "later pieces of the same word get -100"),
    (zero_on_special_tokens, "Special tokens ([CLS], [SEP], word id None) get -100"),
], ids=["every piece tagged", "specials get 0"])
@pytest.mark.parametrize("inputs", ALIGN_CASES, ids=["two words", "three pieces"])
def test_align_labels_wrong_answers_get_their_feedback(answer, message, inputs):
    assert message in feedback("03-align-labels", answer, inputs)


# ---- 03-align-labels: hidden cases ------------------------------------------------------------------

def test_align_hidden_cases_are_word_ids_of_a_tokenized_sentence_with_conll_tags():
    for case in hidden_draws("03-align-labels"):
        word_ids, word_tags = case.args
        assert word_ids[0] is None and word_ids[-1] is None
        words = [w for w in word_ids[1:-1]]
        assert None not in words and words[0] == 0
        assert all(b - a in (0, 1) for a, b in zip(words, words[1:])), word_ids  # every word, in order
        assert len(word_tags) == words[-1] + 1
        assert all(tag in range(9) for tag in word_tags), word_tags  # O + B-/I- of 4 types: ids 0..8


def test_align_hidden_cases_alone_catch_each_wrong_answer():
    task = get_task("03-align-labels")
    draws = hidden_draws("03-align-labels")
    for known in task.misconceptions:
        assert any(caught(task, known.answer, case) for case in draws), known.message
    # split words are common enough that 5 hidden cases catch tagging every piece every time
    for seed in SEEDS:
        cases = task.hidden_cases(random.Random(seed))
        assert any(caught(task, tag_every_piece, case) for case in cases), seed


# ---- 03-entities: reference ---------------------------------------------------------------------------

@pytest.mark.parametrize("tags,expected", [
    (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 1), ("LOC", 3, 3)]),
    (["B-ORG", "B-ORG", "I-ORG"], [("ORG", 0, 0), ("ORG", 1, 2)]),
    (["B-PER", "I-LOC", "I-LOC", "O"], [("PER", 0, 0), ("LOC", 1, 2)]),
    (["O", "I-MISC", "I-MISC", "O", "B-LOC"], [("MISC", 1, 2), ("LOC", 4, 4)]),
    (["I-PER"], [("PER", 0, 0)]),
    (["I-PER", "I-PER", "I-ORG"], [("PER", 0, 1), ("ORG", 2, 2)]),
    (["B-PER", "O", "I-PER"], [("PER", 0, 0), ("PER", 2, 2)]),
    (["B-PER", "I-PER", "I-PER", "I-PER"], [("PER", 0, 3)]),
    (["O", "O", "O"], []),
    ([], []),
    (["B-LOC", "I-LOC", "B-LOC", "I-LOC", "I-MISC", "I-MISC", "O"],
     [("LOC", 0, 1), ("LOC", 2, 3), ("MISC", 4, 5)]),
], ids=["two", "side by side", "I of another type", "I after O", "sentence starts with I",
        "I of the same type continues an I", "same type after a gap", "long entity", "no entity", "empty",
        "mixed"])
def test_entities_are_read_as_seqeval_reads_iob2(tags, expected):
    assert lesson03.entities(tags) == expected


def test_entities_equal_seqeval_on_every_short_tag_sequence():
    from itertools import product

    from seqeval.metrics.sequence_labeling import get_entities

    alphabet = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    for length in range(1, 6):
        for tags in product(alphabet, repeat=length):
            assert lesson03.entities(list(tags)) == [tuple(e) for e in get_entities(list(tags))], tags


# ---- 03-entities: known wrong answers ----------------------------------------------------------------

def inside_continues_any_type(tags):
    spans = []
    for i, tag in enumerate(tags):
        if tag == "O":
            continue
        if tag.startswith("I-") and spans and spans[-1][2] == i - 1:
            spans[-1] = (spans[-1][0], spans[-1][1], i)
        else:
            spans.append((tag[2:], i, i))
    return spans


def stray_inside_dropped(tags):
    spans = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            spans.append([tag[2:], i, i])
        elif tag.startswith("I-") and spans and spans[-1][2] == i - 1 and spans[-1][0] == tag[2:]:
            spans[-1][2] = i
    return spans


def last_excluded(tags):
    from seqeval.metrics.sequence_labeling import get_entities

    return [(kind, first, last + 1) for kind, first, last in get_entities(list(tags))]


@pytest.mark.parametrize("tags", [
    ["B-PER", "I-LOC", "O", "I-ORG"],
    ["B-PER", "I-LOC", "I-LOC", "O"],
    ["I-PER", "I-LOC"],
], ids=["two strays", "stray run", "starts with I"])
def test_continuing_any_type_is_told_that_another_type_starts_a_new_entity(tags):
    assert "starts a new entity of its own type" in feedback("03-entities", inside_continues_any_type, (tags,))


@pytest.mark.parametrize("tags", [
    ["B-PER", "O", "I-PER"],
    ["B-PER", "I-LOC"],
    ["I-PER", "B-LOC"],
    ["B-PER", "I-PER", "I-PER", "I-LOC"],
    ["B-PER", "I-PER", "I-LOC"],
    ["B-PER", "B-LOC", "B-ORG", "I-ORG", "I-MISC"],
], ids=["same type after O", "another type", "first tag", "after a long entity", "after a continued entity",
        "after three entities"])
def test_dropping_stray_inside_tags_is_told_seqeval_starts_an_entity(tags):
    assert "seqeval reads it as the start of a new entity" in feedback("03-entities", stray_inside_dropped, (tags,))


@pytest.mark.parametrize("tags", [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-MISC"]])
def test_an_exclusive_last_is_told_that_last_is_included(tags):
    assert "(included), not the one after it" in feedback("03-entities", last_excluded, (tags,))


# ---- 03-entities: hidden cases ------------------------------------------------------------------------

def test_entities_hidden_cases_draw_every_rule_seqeval_applies():
    seen = set()
    for case in hidden_draws("03-entities"):
        tags = case.args[0]
        assert all(t == "O" or (t[:2] in ("B-", "I-") and t[2:] in lesson03.TYPES) for t in tags), tags
        for before, tag in zip(["O"] + tags, tags):
            if tag.startswith("I-"):
                seen.add("I after O" if before == "O" else
                         "I continues" if before[2:] == tag[2:] else "I after another type")
            seen.add(tag[:2])
    assert seen == {"O", "B-", "I-", "I after O", "I continues", "I after another type"}


def test_entities_hidden_cases_alone_catch_each_wrong_answer():
    task = get_task("03-entities")
    draws = hidden_draws("03-entities")
    for known in task.misconceptions:
        assert any(caught(task, known.answer, case) for case in draws), known.message


# ---- 03-accumulation-weights --------------------------------------------------------------------------

@pytest.mark.parametrize("batches,expected", [
    ([[-100, 1, 0, -100], [-100, 3, -100]], [2 / 3, 1 / 3]),
    ([[0, 0, 0, 0], [-100, 5], [1, -100, 2, 3]], [4 / 8, 1 / 8, 3 / 8]),
    ([[1], [2]], [0.5, 0.5]),
    ([[-100, -100], [7]], [0.0, 1.0]),                    # a batch with no label weighs nothing
    ([[0] * 3, [-100] * 5 + [0]], [0.75, 0.25]),           # label 0 is a label; -100 is not
], ids=["visible", "three batches", "equal", "empty batch", "zero label"])
def test_accumulation_weights_are_each_batch_share_of_labelled_positions(batches, expected):
    assert lesson03.accumulation_weights(batches) == pytest.approx(expected, abs=1e-12)


def counting_all_positions(batches):
    return [len(b) / sum(len(c) for c in batches) for b in batches]


def test_counting_ignored_positions_is_told_to_skip_them():
    assert "do not count them" in feedback("03-accumulation-weights", counting_all_positions,
                                           ([[-100, 1, 0, -100], [-100, 3, -100]],))


def test_equal_weights_are_told_that_bigger_batches_weigh_more():
    message = feedback("03-accumulation-weights", lambda batches: [1 / len(batches)] * len(batches),
                       ([[-100, 1, 0, -100], [-100, 3, -100]],))
    assert "the weights are not equal" in message


def test_weights_hidden_cases_are_valid_label_batches_and_catch_each_wrong_answer():
    task = get_task("03-accumulation-weights")
    draws = hidden_draws("03-accumulation-weights")
    for case in draws:
        batches = case.args[0]
        assert len(batches) >= 2 and all(batches), batches
        assert all(type(label) is int and (label == -100 or label in range(9)) for b in batches for label in b)
        assert any(label != -100 for b in batches for label in b)  # the weights are defined
    for known in task.misconceptions:
        assert any(caught(task, known.answer, case) for case in draws), known.message
