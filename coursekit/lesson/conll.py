"""CoNLL-2003 files (4 columns, IOB2 tags, documents split by -DOCSTART-) read into plain Python.

A document is a list of sentences; a sentence is a (tokens, tags) pair of equal-length lists.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CourseError

NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
CONLL_FILES = {"train": "train.txt", "validation": "valid.txt", "test": "test.txt"}
DOCSTART = "-DOCSTART-"


class ConllFormatError(CourseError, ValueError):
    """A line that is not `word POS chunk TAG` with a known tag."""


def read_conll(path: Path) -> list[list[tuple[list[str], list[str]]]]:
    """Read a CoNLL-2003 file into documents of (tokens, tags) sentences.

    path: a 4-column CoNLL-2003 file (word, POS, chunk, NER tag), IOB2 tags from NER_LABELS.
    """
    documents: list[list[tuple[list[str], list[str]]]] = []
    tokens: list[str] = []
    tags: list[str] = []

    def end_sentence():
        if tokens:
            if not documents:
                documents.append([])
            documents[-1].append((tokens.copy(), tags.copy()))
            tokens.clear()
            tags.clear()

    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                end_sentence()
            elif fields[0] == DOCSTART:
                end_sentence()
                documents.append([])
            elif len(fields) != 4 or fields[3] not in NER_LABELS:
                raise ConllFormatError(f"{path}:{number}: expected 'word POS chunk TAG' with a tag in "
                                       f"{NER_LABELS}, got {line.strip()!r}.")
            else:
                tokens.append(fields[0])
                tags.append(fields[3])
    end_sentence()
    return [doc for doc in documents if doc]


def entity_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, first, last) token spans of the entities in one tag sequence, in order (last inclusive).

    seqeval's own reading (`get_entities`), so highlighting, generated questions and entity scores
    agree with seqeval: IOB2 as in CoNLL-2003 (IOB1 and IOBES work too), and an I- tag after O or
    after another type starts a new entity, as conlleval does.
    """
    from seqeval.metrics.sequence_labeling import get_entities

    return [(kind, first, last) for kind, first, last in get_entities(list(tags))]
