"""The lessons' recipes as library code, so `coursekit.train` can run any task without a notebook.

Lessons 02-04 build these steps in their own cells to teach them (tokenizing, aligning word tags,
windows and offsets, post-processing); this module repeats them compactly for the command line
and for `torchrun`. Defaults are the lessons' CPU settings.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np

MAX_LENGTH = 128
QA_STRIDE = 32
QA_N_BEST = 20
QA_MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class Recipe:
    """A task's model head, defaults and card text, as its lesson uses them."""

    task: str
    lesson: str
    model_class: str  # the transformers Auto class for the head
    pipeline_tag: str
    epochs: int
    learning_rate: dict  # per source: small models like higher rates
    cpu_train_size: int | None  # the lesson's sample on a CPU; None: the whole split
    dataset_name: dict  # per source, for the model card


RECIPES = {
    "sentiment": Recipe("sentiment", "02_text_classification", "AutoModelForSequenceClassification",
                        "text-classification", 2, {"offline": 1e-4, "hub": 3e-5}, 2400,
                        {"offline": "Rotten Tomatoes critic snippets", "hub": "rotten_tomatoes"}),
    "ner": Recipe("ner", "03_named_entity_recognition", "AutoModelForTokenClassification",
                  "token-classification", 1, {"offline": 2e-4, "hub": 5e-5}, 6000,
                  {"offline": "CoNLL-2003 English", "hub": "CoNLL-2003 English"}),
    "qa": Recipe("qa", "04_question_answering", "AutoModelForQuestionAnswering", "question-answering", 1,
                 {"offline": 2e-4, "hub": 3e-5}, 2000,
                 {"offline": "cloze questions generated from CoNLL-2003 (SQuAD format)", "hub": "SQuAD v1.1"}),
}


def label_names(task: str, dataset) -> list[str] | None:
    """The class or tag names of a sentiment or NER dataset split; None for QA."""
    if task == "sentiment":
        return dataset.features["label"].names
    if task == "ner":
        return dataset.features["ner_tags"].feature.names
    return None


def _align_labels(word_ids, word_tags) -> list[int]:
    # the word's tag on its first piece, -100 (ignored by the loss) elsewhere
    labels, previous = [], None
    for word in word_ids:
        labels.append(-100 if word is None or word == previous else word_tags[word])
        previous = word
    return labels


def _answer_token_span(offsets, sequence_ids, start_char, end_char) -> tuple[int, int]:
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    if offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0  # the answer is not (wholly) in this window: point at [CLS]
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start, end


def _qa_windows(tokenizer, batch):
    return tokenizer(batch["question"], batch["context"], max_length=MAX_LENGTH, stride=QA_STRIDE,
                     truncation="only_second", return_overflowing_tokens=True, return_offsets_mapping=True)


def tokenize(task: str, tokenizer, dataset, for_evaluation: bool = False):
    """The tokenized dataset a Trainer trains or evaluates on.

    task: "sentiment", "ner" or "qa". tokenizer: a fast tokenizer. dataset: a split in the course schema.
    for_evaluation: QA only: keep example_id and context offsets for post-processing.
    """
    columns = dataset.column_names

    def sentiment(batch):
        return tokenizer(batch["text"], truncation=True, max_length=MAX_LENGTH)

    def ner(batch):
        encoded = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True, max_length=MAX_LENGTH)
        encoded["labels"] = [_align_labels(encoded.word_ids(i), tags) for i, tags in enumerate(batch["ner_tags"])]
        return encoded

    def qa_train(batch):
        encoded = _qa_windows(tokenizer, batch)
        sample = encoded.pop("overflow_to_sample_mapping")
        spans = []
        for i, offsets in enumerate(encoded.pop("offset_mapping")):
            answers = batch["answers"][sample[i]]
            start = answers["answer_start"][0]
            spans.append(_answer_token_span(offsets, encoded.sequence_ids(i), start, start + len(answers["text"][0])))
        encoded["start_positions"] = [start for start, _ in spans]
        encoded["end_positions"] = [end for _, end in spans]
        return encoded

    def qa_eval(batch):
        encoded = _qa_windows(tokenizer, batch)
        encoded["example_id"] = [batch["id"][s] for s in encoded.pop("overflow_to_sample_mapping")]
        encoded["offset_mapping"] = [
            [offset if sequence == 1 else None for offset, sequence in zip(offsets, encoded.sequence_ids(i))]
            for i, offsets in enumerate(encoded["offset_mapping"])]
        return encoded

    function = {"sentiment": sentiment, "ner": ner}.get(task) or (qa_eval if for_evaluation else qa_train)
    kept = ["label"] if task == "sentiment" else []
    return dataset.map(function, batched=True, remove_columns=[c for c in columns if c not in kept])


def qa_answers(examples, features, start_logits, end_logits) -> dict[str, str]:
    """The best valid answer span per example id over all its windows (n-best starts x ends).

    examples: the raw QA split. features: `tokenize(..., for_evaluation=True)` of it.
    start_logits, end_logits: Trainer.predict's arrays, one row per feature (padded).
    """
    all_offsets = list(features["offset_mapping"])
    windows_of = collections.defaultdict(list)
    for index, example_id in enumerate(features["example_id"]):
        windows_of[example_id].append(index)
    answers = {}
    for example in examples:
        best_score, best_text = -np.inf, ""
        for index in windows_of[example["id"]]:
            offsets = all_offsets[index]
            starts = np.argsort(start_logits[index][:len(offsets)])[-QA_N_BEST:]
            ends = np.argsort(end_logits[index][:len(offsets)])[-QA_N_BEST:]
            for start in starts:
                for end in ends:
                    if offsets[start] is None or offsets[end] is None or not 0 <= end - start < QA_MAX_ANSWER_TOKENS:
                        continue
                    score = start_logits[index][start] + end_logits[index][end]
                    if score > best_score:
                        best_score, best_text = score, example["context"][offsets[start][0]:offsets[end][1]]
        answers[example["id"]] = best_text
    return answers
