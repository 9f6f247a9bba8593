import datasets
import pytest

from coursekit.lesson.data import (DatasetSchemaError, SplitNotFoundError, UnknownTaskError, check_columns,
                            load_task_dataset)
from coursekit.errors import CourseError


@pytest.fixture(scope="module")
def sentiment():
    return load_task_dataset("sentiment", source="offline")


def test_sentiment_schema_and_splits(sentiment):
    assert list(sentiment) == ["train", "validation", "test"]
    for split in sentiment.values():
        assert split.column_names == ["text", "label"]
        assert split.features["label"].names == ["negative", "positive"]
    sizes = {name: len(split) for name, split in sentiment.items()}
    # 12,808 fresh/rotten snippets less 56 duplicates, split about 80/10/10 by a stable hash of the film
    assert sizes == {"train": 10233, "validation": 1115, "test": 1404}


def test_sentiment_is_real_and_balanced_enough(sentiment):
    train = sentiment["train"]
    positives = sum(train["label"]) / len(train)
    assert 0.5 < positives < 0.65  # 7,403 fresh vs 5,405 rotten reviews in the corpus
    assert all(isinstance(t, str) and t.strip() for t in train["text"][:200])


def test_splits_share_no_text(sentiment):
    texts = {name: set(split["text"]) for name, split in sentiment.items()}
    assert not texts["train"] & texts["test"]
    assert not texts["train"] & texts["validation"]


def test_one_split(sentiment):
    test = load_task_dataset("sentiment", source="offline", split="test")
    assert test["text"][:5] == sentiment["test"]["text"][:5]


def test_missing_split_names_the_splits():
    with pytest.raises(SplitNotFoundError, match="train, validation, test") as info:
        load_task_dataset("sentiment", source="offline", split="valid")
    assert isinstance(info.value, CourseError)


def test_unknown_task_names_the_tasks():
    with pytest.raises(UnknownTaskError, match="sentiment"):
        load_task_dataset("sentiment-analysis", source="offline")


def test_missing_columns_suggest_the_rename():
    own = datasets.Dataset.from_dict({"sentence": ["good", "bad"], "label": [1, 0]})
    with pytest.raises(DatasetSchemaError, match=r"rename_column\('sentence', 'text'\)"):
        check_columns(own, "sentiment")
    unknown = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"words": ["x"], "y": [0]})})
    with pytest.raises(DatasetSchemaError, match="missing: text, label"):
        check_columns(unknown, "sentiment")
    fine = own.rename_column("sentence", "text")
    assert check_columns(fine, "sentiment") is fine


def test_every_split_is_checked_not_only_the_first():
    good = datasets.Dataset.from_dict({"text": ["good"], "label": [1]})
    renamed = datasets.Dataset.from_dict({"sentence": ["bad"], "label": [0]})
    with pytest.raises(DatasetSchemaError, match="sentence"):
        check_columns(datasets.DatasetDict({"train": good, "validation": renamed}), "sentiment")


# --- NER and QA ------------------------------------------------------------------------------

from coursekit.lesson.data import DatasetContentError, check_examples  # noqa: E402


@pytest.fixture(scope="module")
def ner():
    return load_task_dataset("ner", source="offline")


@pytest.fixture(scope="module")
def qa():
    return load_task_dataset("qa", source="offline")


def test_ner_is_the_full_conll_2003(ner):
    assert {name: len(split) for name, split in ner.items()} == {"train": 14041, "validation": 3250, "test": 3453}
    names = ner["train"].features["ner_tags"].feature.names
    assert names == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    first = ner["train"][0]
    assert first["tokens"] == ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."]
    assert [names[t] for t in first["ner_tags"]] == ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"]


def test_ner_entity_counts_match_the_published_statistics(ner):
    from coursekit.lesson.conll import entity_spans

    names = ner["train"].features["ner_tags"].feature.names
    counts = {split: sum(len(entity_spans([names[t] for t in tags])) for tags in ner[split]["ner_tags"])
              for split in ner}
    assert counts == {"train": 23499, "validation": 5942, "test": 5648}  # Tjong Kim Sang & De Meulder (2003)


def test_qa_is_in_the_squad_schema_and_follows_conll_splits(qa):
    for split in qa.values():
        assert split.column_names == ["id", "title", "context", "question", "answers"]
    assert {name: len(split) for name, split in qa.items()} == {"train": 3541, "validation": 888, "test": 765}
    assert {row_id.split("-")[0] for row_id in qa["test"]["id"]} == {"test"}
    contexts = {name: set(split["context"]) for name, split in qa.items()}
    # CoNLL's own splits repeat a few boilerplate passages (sports tables, datelines), nothing more
    assert len(contexts["train"] & contexts["test"]) / len(contexts["test"]) < 0.02


def test_every_generated_answer_is_exact_at_its_start(qa):
    for split in qa.values():
        for row in split:
            (text,), (start,) = row["answers"]["text"], row["answers"]["answer_start"]
            assert text and row["context"][start:start + len(text)] == text, row["id"]


def test_questions_replace_the_answer_with_a_wh_phrase(qa):
    row = qa["train"][0]
    assert row["question"] == "EU rejects German call to boycott what lamb?"
    assert row["answers"] == {"text": ["British"], "answer_start": [34]}
    for row in qa["validation"].select(range(200)):
        assert row["question"].endswith("?")
        assert any(w in row["question"].lower() for w in ("who", "which organisation", "which place", "what"))


def test_questions_are_sentences_not_datelines_headlines_or_results(qa):
    import re

    for split in qa.values():
        for question in split["question"]:
            assert not re.search(r"\d{4}-\d{2}-\d{2}", question), question  # "Which place, UAE 1996-12-06?"
            words = [w for w in re.findall(r"(?<![\w'-])[a-z]+(?![\w'-])", question) if w not in ("who", "which", "what")]
            assert len(words) >= 3, question  # "SOCCER - JAPAN GET LUCKY WIN, which place IN SURPRISE DEFEAT?"


def test_qa_generation_is_deterministic(qa):
    again = load_task_dataset("qa", source="offline", split="validation")
    assert list(again["question"]) == list(qa["validation"]["question"])


def test_tags_outside_the_label_list_are_named():
    own = datasets.Dataset.from_dict({"tokens": [["Ada", "Lovelace"]], "ner_tags": [["B-PER", "I-PERSON"]]})
    with pytest.raises(DatasetContentError, match=r"'I-PERSON', which is not in the label list"):
        check_examples(own, "ner", label_names=["O", "B-PER", "I-PER"])
    ids = datasets.Dataset.from_dict({"tokens": [["Ada"]], "ner_tags": [[9]]})
    with pytest.raises(DatasetContentError, match=r"tag 9, .*\(3 labels\)"):
        check_examples(ids, "ner", label_names=["O", "B-PER", "I-PER"])
    one_past = datasets.Dataset.from_dict({"tokens": [["Ada"]], "ner_tags": [[3]]})  # ids run 0..2
    with pytest.raises(DatasetContentError, match=r"tag 3, .*\(3 labels\)"):
        check_examples(one_past, "ner", label_names=["O", "B-PER", "I-PER"])
    last = datasets.Dataset.from_dict({"tokens": [["Ada"]], "ner_tags": [[2]]})
    assert check_examples(last, "ner", label_names=["O", "B-PER", "I-PER"]) is last
    short = datasets.Dataset.from_dict({"tokens": [["Ada", "Lovelace"]], "ner_tags": [[1]]})
    with pytest.raises(DatasetContentError, match="2 words but 1 tags"):
        check_examples(short, "ner", label_names=["O", "B-PER", "I-PER"])


def _qa_row(context, text, start):
    return {"id": ["q1"], "title": ["t"], "context": [context], "question": ["Who?"],
            "answers": [{"text": [text], "answer_start": [start]}]}


def test_an_answer_missing_from_its_context_is_reported():
    shifted = datasets.Dataset.from_dict(_qa_row("Ada Lovelace wrote it.", "Lovelace", 0))
    with pytest.raises(DatasetContentError, match="set answer_start to 4"):
        check_examples(shifted, "qa")
    absent = datasets.Dataset.from_dict(_qa_row("Ada Lovelace wrote it.", "Babbage", 0))
    with pytest.raises(DatasetContentError, match="does not occur in the context"):
        check_examples(absent, "qa")
    fine = datasets.Dataset.from_dict(_qa_row("Ada Lovelace wrote it.", "Lovelace", 4))
    assert check_examples(fine, "qa") is fine


def test_an_empty_split_is_reported(ner):
    empty = datasets.DatasetDict({"train": ner["train"].select(range(10)), "validation": ner["validation"].select([])})
    with pytest.raises(DatasetContentError, match="'validation' split has no rows"):
        check_examples(empty, "ner")


def _fake_squad():
    """A SQuAD-shaped DatasetDict: 60 paragraphs of 3 questions each, and a validation split."""
    def rows(prefix, paragraphs):
        out = {"id": [], "title": [], "context": [], "question": [], "answers": []}
        for p in range(paragraphs):
            context = f"Paragraph {prefix}{p} says Ada wrote it."
            for q in range(3):
                out["id"].append(f"{prefix}{p}-{q}")
                out["title"].append(f"Article {prefix}{p // 4}")
                out["context"].append(context)
                out["question"].append(f"Who wrote paragraph {p}, question {q}?")
                out["answers"].append({"text": ["Ada"], "answer_start": [context.index("Ada")]})
        return datasets.Dataset.from_dict(out)
    return datasets.DatasetDict({"train": rows("t", 60), "validation": rows("v", 5)})


def test_hub_qa_validation_holds_out_whole_paragraphs(monkeypatch):
    from coursekit.lesson import data

    fake = _fake_squad()
    monkeypatch.setattr(datasets, "load_dataset", lambda name, *a, **k: fake)
    monkeypatch.setattr(data, "require_hub", lambda: None)
    qa = load_task_dataset("qa", source="hub")
    train_contexts, validation_contexts = set(qa["train"]["context"]), set(qa["validation"]["context"])
    assert validation_contexts and not train_contexts & validation_contexts
    # every question of a held-out paragraph is held out with it, and no question is lost
    assert len(qa["validation"]) == 3 * len(validation_contexts)
    assert len(qa["train"]) + len(qa["validation"]) == len(fake["train"])
    assert qa["test"]["id"] == fake["validation"]["id"]


def test_paragraph_split_is_stable_and_near_its_share():
    from coursekit.lesson.data import paragraph_split

    fake = _fake_squad()["train"]
    first = paragraph_split(fake, share=0.25)
    again = paragraph_split(fake, share=0.25)
    assert first[1]["id"] == again[1]["id"]
    held_paragraphs = len(set(first[1]["context"]))
    assert 5 <= held_paragraphs <= 25  # about 15 of 60 paragraphs


# --- the checks' messages, word for word: each names what is wrong and the fix -------------------------

import re  # noqa: E402

from coursekit.lesson.data import check_task  # noqa: E402


def exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


def test_unknown_task_message():
    assert check_task("ner") == "ner"
    with pytest.raises(UnknownTaskError, match=exactly("Unknown task 'pos'. The course's tasks are: sentiment, ner, qa.")):
        check_task("pos")


def test_missing_column_message_names_every_rename_that_fixes_it():
    own = datasets.Dataset.from_dict({"review": ["fine"], "target": [1], "id": [0]})
    with pytest.raises(DatasetSchemaError, match=exactly(
            "The sentiment dataset needs columns ['text', 'label'] but has ['review', 'target', 'id'] "
            "(missing: text, label). Rename with:  dataset = dataset.rename_column('review', 'text');  "
            "dataset = dataset.rename_column('target', 'label')")):
        check_columns(own, "sentiment")


def test_missing_column_without_a_known_alias_names_the_columns_needed():
    with pytest.raises(DatasetSchemaError, match=exactly(
            "The qa dataset needs columns ['id', 'context', 'question', 'answers'] but has ['id', 'question'] "
            "(missing: context, answers). Add or rename columns so the dataset has id, context, question, answers.")):
        check_columns(datasets.Dataset.from_dict({"id": ["q"], "question": ["Who?"]}), "qa")


def test_missing_column_with_and_without_aliases_together():
    rows = datasets.Dataset.from_dict({"id": ["q"], "passage": ["Ada wrote it."], "answers": [{"text": ["Ada"]}]})
    with pytest.raises(DatasetSchemaError, match=re.escape(
            "(missing: context, question). Rename with:  dataset = dataset.rename_column('passage', 'context')")):
        check_columns(rows, "qa")  # 'question' has no known alias: only the fix that exists is named


def test_check_columns_of_an_unknown_task_names_the_tasks():
    with pytest.raises(UnknownTaskError, match="sentiment, ner, qa"):
        check_columns(datasets.Dataset.from_dict({"text": ["x"], "label": [0]}), "topics")


def test_check_examples_checks_the_columns_first():
    with pytest.raises(DatasetSchemaError, match="missing: ner_tags"):
        check_examples(datasets.Dataset.from_dict({"tokens": [["Ada"]], "tags": [[1]]}), "ner")


def test_an_empty_split_message():
    empty = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"text": ["x"], "label": [0]}),
                                  "test": datasets.Dataset.from_dict({"text": [], "label": []})})
    with pytest.raises(DatasetContentError, match=exactly(
            "The 'test' split has no rows. Check the filter or select() that produced it, or pass a larger size "
            "(an empty split cannot be trained or evaluated on).")):
        check_examples(empty, "sentiment")
    lone = datasets.Dataset.from_dict({"text": [], "label": []})
    with pytest.raises(DatasetContentError, match="^The 'dataset' split has no rows"):
        check_examples(lone, "sentiment")  # a single Dataset is checked too, under the name 'dataset'


NAMES = ["O", "B-PER", "I-PER"]


def test_tag_messages_name_the_split_row_and_tag():
    good = {"tokens": [["Ada"], ["Ada", "Lovelace"]], "ner_tags": [[1], [1, 2]]}
    bad_count = datasets.DatasetDict({"train": datasets.Dataset.from_dict(good),
                                      "validation": datasets.Dataset.from_dict(
                                          {"tokens": [["Ada"], ["Ada", "wrote"]], "ner_tags": [[1], [1]]})})
    with pytest.raises(DatasetContentError, match=exactly(
            "validation row 1 has 2 words but 1 tags: every word needs exactly one tag.")):
        check_examples(bad_count, "ner", label_names=NAMES)
    unknown = datasets.Dataset.from_dict({"tokens": [["Ada"], ["Ada", "Lovelace"]], "ner_tags": [[1], [1, -1]]})
    with pytest.raises(DatasetContentError, match=exactly(
            "dataset row 1 has the tag -1, which is not in the label list ['O', 'B-PER', 'I-PER'] (3 labels). "
            "Add it to the label list (and num_labels), or map it to one of them, e.g. "
            "dataset.map(lambda row: {'ner_tags': [...]}).")):
        check_examples(unknown, "ner", label_names=NAMES)
    first = datasets.Dataset.from_dict({"tokens": [["Ada"]], "ner_tags": [[0]]})
    assert check_examples(first, "ner", label_names=NAMES) is first  # tag 0 is the first label


def test_tags_read_as_one_string_per_sentence_are_named():
    # a CSV gives "B-PER I-PER" as one string, not a list of tags
    rows = datasets.Dataset.from_dict({"tokens": [["Ada", "Lovelace"]], "ner_tags": ["B-PER I-PER"]})
    with pytest.raises(DatasetContentError, match=exactly(
            "dataset row 0 has 2 words but 11 tags: every word needs exactly one tag.")):
        check_examples(rows, "ner", label_names=NAMES)


def test_tags_are_checked_against_the_datasets_own_label_names():
    features = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=NAMES))})
    rows = datasets.Dataset.from_dict({"tokens": [["Ada", "Lovelace"]], "ner_tags": [[1, 2]]}, features=features)
    assert check_examples(rows, "ner") is rows  # no label_names: the ClassLabel's three names
    with pytest.raises(DatasetContentError, match=r"\(2 labels\)"):
        check_examples(rows, "ner", label_names=["O", "B-PER"])  # label_names given: they win
    plain = datasets.Dataset.from_dict({"tokens": [["Ada"]], "ner_tags": [[0]]})
    with pytest.raises(DatasetContentError, match=r"not in the label list \[\] \(0 labels\)"):
        check_examples(plain, "ner")  # integer tags and no names anywhere: nothing is known


def test_answer_messages_name_the_question_and_the_fix():
    rows = {"id": ["q1", "q2"], "title": ["t", "t"], "context": ["Ada wrote it.", "Ada Lovelace wrote it."],
            "question": ["Who?", "Who?"],
            "answers": [{"text": ["Ada"], "answer_start": [0]}, {"text": ["Ada", "Lovelace"], "answer_start": [0, 3]}]}
    with pytest.raises(DatasetContentError, match=exactly(
            "dataset question 'q2': the answer 'Lovelace' is not the context's text at answer_start=3; "
            "the text occurs at character 4: set answer_start to 4.")):
        check_examples(datasets.Dataset.from_dict(rows), "qa")  # every answer of a question is checked
    rows["answers"][1] = {"text": ["Ada"], "answer_start": [2]}
    with pytest.raises(DatasetContentError, match="the text occurs at character 0: set answer_start to 0.$"):
        check_examples(datasets.Dataset.from_dict(rows), "qa")  # the first occurrence, even at character 0
    rows["context"][1], rows["answers"][1] = "Ada met Ada.", {"text": ["Ada"], "answer_start": [3]}
    with pytest.raises(DatasetContentError, match="set answer_start to 0.$"):
        check_examples(datasets.Dataset.from_dict(rows), "qa")
    rows["answers"][1] = {"text": ["Babbage"], "answer_start": [0]}
    with pytest.raises(DatasetContentError, match=exactly(
            "dataset question 'q2': the answer 'Babbage' is not the context's text at answer_start=0; "
            "the answer text does not occur in the context at all: extractive QA can only answer with a span "
            "of the context, so fix or drop this row.")):
        check_examples(datasets.Dataset.from_dict(rows), "qa")
