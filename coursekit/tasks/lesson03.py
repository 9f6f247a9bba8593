"""Lesson 03's tasks: align word tags with word pieces, read entities out of IOB2 tags (seqeval's
rules), weights for gradient accumulation. References, cases, hidden generators, wrong answers."""

from __future__ import annotations

import random

from .compare import close_list, exact
from .registry import Case, Misconception, Task, register

TYPES = ("PER", "ORG", "LOC", "MISC")
TOLERANCE = 1e-6


# ---- references (run in the grader's process only) -------------------------------------------------

def align_labels(word_ids, word_tags):
    """The word's tag on the first piece of each word; -100 on special tokens and later pieces."""
    labels, previous = [], None
    for word in word_ids:
        labels.append(-100 if word is None or word == previous else word_tags[word])
        previous = word
    return labels


def entities(tags):
    """(type, first, last) entities as seqeval reads IOB2: B- starts an entity, and so does an I-
    after O or after a tag of another type; an I- of the same type continues it."""
    found, previous_type = [], None
    for index, tag in enumerate(tags):
        kind = tag[2:]  # "" for O: an I- after O has another type, so it starts an entity
        if tag.startswith("B-") or (tag.startswith("I-") and kind != previous_type):
            found.append([kind, index, index])
        elif tag.startswith("I-"):
            found[-1][2] = index
        previous_type = kind
    return [tuple(entity) for entity in found]


def accumulation_weights(label_batches):
    """Each batch's share of all labelled (not -100) positions."""
    counts = [sum(1 for label in labels if label != -100) for labels in label_batches]
    return [count / sum(counts) for count in counts]


# ---- known wrong answers -----------------------------------------------------------------------------

def _every_piece(word_ids, word_tags):
    return [-100 if word is None else word_tags[word] for word in word_ids]


def _specials_zero(word_ids, word_tags):
    return [0 if word is None else label for word, label in zip(word_ids, align_labels(word_ids, word_tags))]


def _extend_any_type(tags):
    found = []
    for index, tag in enumerate(tags):
        if tag.startswith("B-") or (tag.startswith("I-") and not (found and found[-1][2] == index - 1)):
            found.append([tag[2:], index, index])
        elif tag.startswith("I-"):
            found[-1][2] = index
    return [tuple(entity) for entity in found]


def _drop_stray_inside(tags):
    found = []
    for index, tag in enumerate(tags):
        if tag.startswith("B-"):
            found.append((tag[2:], index, index))
        elif tag.startswith("I-") and found and found[-1][2] == index - 1 and found[-1][0] == tag[2:]:
            found[-1] = (found[-1][0], found[-1][1], index)
    return found


def _last_exclusive(tags):
    return [(kind, first, last + 1) for kind, first, last in entities(tags)]


def _equal_weights(label_batches):
    return [1 / len(label_batches)] * len(label_batches)


def _all_positions(label_batches):
    total = sum(len(labels) for labels in label_batches)
    return [len(labels) / total for labels in label_batches]


# ---- hidden cases ----------------------------------------------------------------------------------------

def _hidden_align(rng: random.Random) -> Case:
    words = rng.randint(2, 10)
    word_ids = [None] + [word for word in range(words) for _ in range(rng.choice([1, 1, 1, 2, 3, 4]))] + [None]
    return Case((word_ids, [rng.randrange(9) for _ in range(words)]))


def _hidden_entities(rng: random.Random) -> Case:
    tags = []
    for _ in range(rng.randint(4, 16)):
        roll = rng.random()
        tags.append("O" if roll < 0.4 else f"{'B' if roll < 0.7 else 'I'}-{rng.choice(TYPES)}")
    return Case((tags,))


def _hidden_weights(rng: random.Random) -> Case:
    batches = [[rng.choice([-100, -100, 0, 1, 2, 3, 4]) for _ in range(rng.randint(1, 10))]
               for _ in range(rng.randint(2, 5))]
    batches[rng.randrange(len(batches))].append(rng.randrange(5))  # at least one labelled position
    return Case((batches,))


register(
    Task("03-align-labels", "Align word tags with word pieces", "align_labels", ("word_ids", "word_tags"), "args",
         align_labels, exact,
         visible=(Case(([None, 0, 1, 1, 2, None], [1, 2, 0]), "a word split into two pieces"),
                  Case(([None, 0, 0, 0, 1, None], [3, 0]), "a word split into three pieces at the start")),
         hidden=_hidden_align,
         nudge="Only the first piece of each word carries the word's tag; the loss must ignore everything else.",
         hint="Walk through word_ids remembering the previous word id: a None, or the same id as the token "
              "before, gets -100; a new word id gets that word's tag from word_tags.",
         misconceptions=(Misconception(_every_piece, "Only the first piece of a word keeps its tag: later "
                                       "pieces of the same word get -100."),
                         Misconception(_specials_zero, "Special tokens ([CLS], [SEP], word id None) get -100, "
                                       "not a tag."))),
    Task("03-entities", "Read entities out of B-/I-/O tags", "entities", ("tags",), "args",
         entities, exact,
         visible=(Case((["B-PER", "I-PER", "O", "B-LOC"],), "two entities"),
                  Case((["B-ORG", "B-ORG", "I-ORG"],), "two organisations side by side"),
                  Case((["B-PER", "I-LOC", "I-LOC", "O"],), "an I- tag of another type"),
                  Case((["O", "I-MISC", "I-MISC", "O", "B-LOC"],), "an I- tag right after O"),
                  Case((["O", "O", "B-MISC", "I-MISC", "I-MISC"],), "an entity that ends the sentence")),
         hidden=_hidden_entities,
         nudge="Read the tags as seqeval (the scorer) does: B- starts an entity, and so does an I- tag that "
               "does not continue an entity of its own type.",
         hint="An I- tag continues the entity before it only when the previous tag is B- or I- of the same "
              "type; after O, or after a tag of another type, it starts a new entity. last is included.",
         misconceptions=(Misconception(_extend_any_type, "An I- tag of another type does not continue the "
                                       "entity before it: it starts a new entity of its own type."),
                         Misconception(_drop_stray_inside, "An I- tag after O or after another type is not "
                                       "dropped: seqeval reads it as the start of a new entity."),
                         Misconception(_last_exclusive, "last is the index of the entity's last token "
                                       "(included), not the one after it."))),
    Task("03-accumulation-weights", "Weights for gradient accumulation", "accumulation_weights",
         ("label_batches",), "args", accumulation_weights, close_list(TOLERANCE),
         visible=(Case(([[-100, 1, 0, -100], [-100, 3, -100]],), "two small batches"),
                  Case(([[0, 0, 0, 0], [-100, 5], [1, -100, 2, 3]],), "three batches of different sizes")),
         hidden=_hidden_weights,
         nudge="The loss averages over labelled positions, so each small batch weighs as much as the "
               "labelled positions it holds.",
         hint="Count the labels that are not -100 in each batch, then divide each count by the total over all "
              "batches: the weights add up to 1.",
         misconceptions=(Misconception(_equal_weights, "Batches with more labelled positions weigh more: the "
                                       "weights are not equal."),
                         Misconception(_all_positions, "Positions labelled -100 are ignored by the loss: do "
                                       "not count them."))),
)
