"""Offline QA questions from CoNLL documents: every answer is found where it says, and lines that
are not sentences (datelines, headlines, results) are never asked about."""

from coursekit.lesson.cloze import cloze_questions, detokenize

SENTENCE = (["The", "talks", "were", "held", "in", "Geneva", "on", "Monday", "by", "the", "two", "sides", "."],
            ["O", "O", "O", "O", "O", "B-LOC", "O", "O", "O", "O", "O", "O", "O"])
DATELINE = (["GENEVA", "1996-12-06"], ["B-LOC", "O"])
HEADLINE = (["SOCCER", "-", "JAPAN", "BEAT", "SYRIA", "."], ["O", "O", "B-LOC", "O", "B-LOC", "O"])
RESULTS = (["Japan", "2", "Syria", "1", "Kuwait", "0", "Qatar", "3"],
           ["B-LOC", "O", "B-LOC", "O", "B-LOC", "O", "B-LOC", "O"])


def test_detokenize_joins_punctuation_like_written_text():
    text, starts = detokenize(["He", "said", "(", "yes", ")", "."])
    assert text == "He said (yes)."
    assert [text[start] for start in starts] == ["H", "s", "(", "y", ")", "."]


def test_the_answer_sits_at_its_offset_and_the_question_asks_by_type():
    rows = cloze_questions([[HEADLINE, DATELINE, SENTENCE]], "test")
    assert len(rows) == 1  # only the real sentence
    row = rows[0]
    start = row["answers"]["answer_start"][0]
    assert row["answers"]["text"] == ["Geneva"] == [row["context"][start:start + len("Geneva")]]
    assert row["question"] == "The talks were held in which place on Monday by the two sides?"
    assert row["title"] == "SOCCER - JAPAN BEAT SYRIA."


def test_results_lines_and_datelines_are_not_asked_about():
    assert cloze_questions([[RESULTS, DATELINE, HEADLINE]], "test") == []


def test_questions_are_the_same_in_every_run():
    documents = [[SENTENCE, SENTENCE]]
    assert cloze_questions(documents, "train") == cloze_questions(documents, "train")
