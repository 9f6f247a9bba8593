"""Offline extractive QA: cloze questions generated from real CoNLL-2003 news documents.

No package registry ships a SQuAD-style set, so each question is a sentence of a passage with one
named entity replaced by a wh-phrase chosen by the entity's type; the answer is that entity's
occurrence in the passage. Deterministic: the same files always give the same questions.
"""

from __future__ import annotations

import hashlib
import re

from .conll import entity_spans

WH_PHRASES = {"PER": "who", "ORG": "which organisation", "LOC": "which place", "MISC": "what"}
PASSAGE_TOKENS = 60  # a few sentences: short enough to train on a CPU in minutes
MIN_OTHER_TOKENS = 5  # a question needs this many words besides the wh-phrase
MAX_QUESTION_TOKENS = 30  # longer sentences make poor questions and leave no room for the context
MIN_LOWERCASE_WORDS = 4  # skips headlines in capitals and score lines ("Japan 2 Syria 1"): no sentence to ask
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # datelines ("AL-AIN , United Arab Emirates 1996-12-06")
_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "%", "'", "'s", "n't", "'t", "'re", "'ve", "'ll", "'d", "'m"}
_NO_SPACE_AFTER = {"(", "[", "$"}


def detokenize(tokens: list[str]) -> tuple[str, list[int]]:
    """Join CoNLL tokens into readable text; returns the text and each token's start offset."""
    text, starts = "", []
    for i, token in enumerate(tokens):
        if i and token not in _NO_SPACE_BEFORE and tokens[i - 1] not in _NO_SPACE_AFTER:
            text += " "
        starts.append(len(text))
        text += token
    return text, starts


def passages(document: list[tuple[list[str], list[str]]]) -> list[list[tuple[list[str], list[str]]]]:
    """Group a document's sentences into passages of up to PASSAGE_TOKENS tokens (longer sentences alone)."""
    groups: list[list] = [[]]
    size = 0
    for sentence in document:
        if groups[-1] and size + len(sentence[0]) > PASSAGE_TOKENS:
            groups.append([])
            size = 0
        groups[-1].append(sentence)
        size += len(sentence[0])
    return [group for group in groups if group]


def _pick(spans: list, key: str):
    # A stable choice of one entity per sentence (md5, not hash(): the same in every process)
    return spans[int(hashlib.md5(key.encode()).hexdigest(), 16) % len(spans)]


def _askable(tokens: list[str]) -> bool:
    """Whether a sentence reads as a sentence: not a dateline, headline or results line, not too long."""
    lowercase_words = sum(token.isalpha() and token.islower() for token in tokens)
    return (len(tokens) <= MAX_QUESTION_TOKENS and lowercase_words >= MIN_LOWERCASE_WORDS
            and not any(_DATE.fullmatch(token) for token in tokens))


def _question(tokens: list[str], first: int, last: int, entity_type: str) -> str:
    words = tokens[:first] + [WH_PHRASES[entity_type]] + tokens[last + 1:]
    while words and words[-1] in {".", "!", "?", ":", ";", ","}:
        words.pop()
    text, _ = detokenize(words)
    return text[:1].upper() + text[1:] + "?"


def cloze_questions(documents, split: str) -> list[dict]:
    """SQuAD-schema rows (id, title, context, question, answers) from CoNLL documents.

    documents: as returned by conll.read_conll. split: used in the ids ("train-0001-02-05").
    """
    rows = []
    for doc_index, document in enumerate(documents):
        title, _ = detokenize(document[0][0])
        for passage_index, passage in enumerate(passages(document)):
            sentence_texts = [detokenize(tokens) for tokens, _ in passage]
            context = " ".join(text for text, _ in sentence_texts)
            offset = 0
            for sentence_index, ((tokens, tags), (text, starts)) in enumerate(zip(passage, sentence_texts)):
                row_id = f"{split}-{doc_index:04d}-{passage_index:02d}-{sentence_index:02d}"
                spans = [span for span in entity_spans(tags)
                         if len(tokens) - (span[2] - span[1] + 1) >= MIN_OTHER_TOKENS]
                if spans and _askable(tokens):
                    entity_type, first, last = _pick(spans, row_id)
                    start = offset + starts[first]
                    end = offset + starts[last] + len(tokens[last])
                    rows.append({
                        "id": row_id,
                        "title": title,
                        "context": context,
                        "question": _question(tokens, first, last, entity_type),
                        "answers": {"text": [context[start:end]], "answer_start": [start]},
                    })
                offset += len(text) + 1
    return rows
