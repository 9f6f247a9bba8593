"""The checks behind each exercise, lesson by lesson. Inputs are tiny, so each check takes seconds."""

from __future__ import annotations

import numpy as np

from .grading import Expectation, NotAttempted, task


def _answered(value):
    if value is None or value is Ellipsis:
        raise NotAttempted()
    return value


def _call(function, *args):
    if not callable(function):
        raise TypeError(f"expected a function, got {type(function).__name__}")
    return _answered(function(*args))


def _tiny_bert(num_labels: int = 2):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, num_labels=num_labels)
    return BertForSequenceClassification(config)


# ---- lesson 01 ----------------------------------------------------------------------------------

def _count_matches(count_trainable):
    model = _tiny_bert()
    truth = sum(p.numel() for p in model.parameters() if p.requires_grad)
    got = _call(count_trainable, model)
    return got == truth, truth, got


def _count_skips_frozen(count_trainable):
    model = _tiny_bert()
    model.bert.embeddings.requires_grad_(False)
    truth = sum(p.numel() for p in model.parameters() if p.requires_grad)
    got = _call(count_trainable, model)
    return got == truth, truth, got


task("01-count-trainable", "Count the trainable parameters", [
    Expectation("count_trainable(model) on a small BERT", _count_matches,
                "add up p.numel() for the parameters p of model.parameters()"),
    Expectation("count_trainable skips frozen parameters", _count_skips_frozen,
                "only parameters with p.requires_grad count", hidden=True),
])


def _frozen_state(freeze_encoder):
    model = _tiny_bert()
    result = freeze_encoder(model)
    if result is None and all(p.requires_grad for p in model.parameters()):
        raise NotAttempted()
    trainable = sorted(name for name, p in model.named_parameters() if p.requires_grad)
    return trainable


def _only_head_trains(freeze_encoder):
    trainable = _frozen_state(freeze_encoder)
    expected = ["classifier.bias", "classifier.weight"]
    return trainable == expected, expected, trainable


task("01-freeze-encoder", "Freeze the encoder, train only the head", [
    Expectation("after freeze_encoder(model), only the head's parameters are trainable", _only_head_trains,
                "set requires_grad = False on every parameter of model.base_model"),
])


def _blocks_state():
    import torch

    before = {"bert.embeddings.word_embeddings.weight": torch.ones(4, 2),
              "bert.encoder.layer.0.attention.self.query.weight": torch.ones(2, 2),
              "bert.encoder.layer.1.output.dense.weight": torch.full((2, 2), 2.0),
              "classifier.weight": torch.ones(2, 2)}
    after = {"bert.embeddings.word_embeddings.weight": torch.ones(4, 2),
             "bert.encoder.layer.0.attention.self.query.weight": torch.ones(2, 2) * 1.1,
             "bert.encoder.layer.1.output.dense.weight": torch.full((2, 2), 2.5),
             "classifier.weight": torch.ones(2, 2) * 3}
    return before, after


def _relative_change_values(relative_change):
    before, after = _blocks_state()
    got = _call(relative_change, before, after)
    expected = {"embeddings": 0.0, "layer 1": 0.1, "layer 2": 0.25, "head": 2.0}
    ok = isinstance(got, dict) and set(got) == set(expected) and all(
        abs(float(got[k]) - v) < 1e-6 for k, v in expected.items())
    return ok, expected, got


task("01-relative-change", "Relative weight change per block", [
    Expectation("relative_change(before, after) on four small blocks", _relative_change_values,
                "per block: sqrt(sum of squared differences) / sqrt(sum of squared before-values); "
                "name blocks 'embeddings', 'layer N' (N from 1) and 'head'"),
])


# ---- lesson 02 ----------------------------------------------------------------------------------

_REVIEWS = ["A gripping, beautifully acted thriller.", "Dull.", "word " * 300]


def _tokenize_shapes(tokenize):
    encoded = _call(tokenize, {"text": _REVIEWS})
    lengths = [len(ids) for ids in encoded["input_ids"]]
    ok = "attention_mask" in encoded and lengths[1] < lengths[0] and lengths[2] <= 128
    return ok, "input_ids of different lengths (no padding), none over 128, plus an attention_mask", lengths


def _tokenize_special_tokens(tokenize):
    encoded = _call(tokenize, {"text": ["Dull."]})
    ids = encoded["input_ids"][0]
    return ids[0] == 101 and ids[-1] == 102, "[CLS] ... [SEP] (ids 101 ... 102)", ids


task("02-tokenize", "Tokenize a batch for dynamic padding", [
    Expectation("tokenize({'text': [...]}) truncates to 128 tokens and does not pad", _tokenize_shapes,
                "call tokenizer(batch['text'], truncation=True, max_length=128) without padding"),
    Expectation("each text starts with [CLS] and ends with [SEP]", _tokenize_special_tokens,
                "let the tokenizer add its special tokens", hidden=True),
])


def _metrics_case(compute_metrics, seed, classes=2):
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    from transformers import EvalPrediction

    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(40, classes))
    labels = rng.integers(0, classes, 40)
    got = _call(compute_metrics, EvalPrediction(predictions=logits, label_ids=labels))
    predictions = logits.argmax(-1)
    precision, recall, f1, _ = precision_recall_fscore_support(labels, predictions, average="binary", zero_division=0)
    expected = {"accuracy": round(accuracy_score(labels, predictions), 4), "f1": round(f1, 4),
                "precision": round(precision, 4), "recall": round(recall, 4)}
    if not isinstance(got, dict):
        return False, expected, got
    rounded = {k: round(float(v), 4) for k, v in got.items() if k in expected}
    return rounded == expected, expected, rounded


task("02-compute-metrics", "compute_metrics for Trainer", [
    Expectation("compute_metrics(EvalPrediction) on 40 random logits", lambda f: _metrics_case(f, 0),
                "take argmax over the last axis of eval_pred.predictions, compare with eval_pred.label_ids; "
                "binary precision/recall/F1 of class 1"),
    Expectation("compute_metrics on other random logits", lambda f: _metrics_case(f, 7),
                "make sure nothing is hard-coded", hidden=True),
])


def _args_case(make_args):
    import tempfile

    args = _call(make_args, tempfile.mkdtemp())
    strategy = lambda v: getattr(v, "value", v)  # noqa: E731
    got = {"eval_strategy": strategy(args.eval_strategy), "save_strategy": strategy(args.save_strategy),
           "load_best_model_at_end": args.load_best_model_at_end,
           "metric_for_best_model": args.metric_for_best_model, "report_to": args.report_to}
    expected = {"eval_strategy": "epoch", "save_strategy": "epoch", "load_best_model_at_end": True,
                "metric_for_best_model": "eval_loss", "report_to": []}
    return got == expected, expected, got


task("02-early-stopping-args", "TrainingArguments for early stopping", [
    Expectation("early_stopping_args(output_dir) evaluates and saves every epoch and restores the best",
                _args_case,
                "TrainingArguments(output_dir, eval_strategy='epoch', save_strategy='epoch', "
                "load_best_model_at_end=True, metric_for_best_model='eval_loss', report_to='none')"),
])


# ---- lesson 05 ----------------------------------------------------------------------------------

_ROWS = [{"epoch": 1.0, "validation_loss": 0.72}, {"epoch": 2.0, "validation_loss": 0.58},
         {"epoch": 3.0, "validation_loss": 0.89}, {"epoch": 4.0, "validation_loss": 0.96}]


def _best_epoch_case(best_epoch, rows, expected):
    got = _call(best_epoch, rows)
    return got == expected, expected, got


task("05-best-epoch", "The epoch early stopping would keep", [
    Expectation("best_epoch(rows) for a run that overfits after epoch 2",
                lambda f: _best_epoch_case(f, _ROWS, 2.0),
                "the epoch of the row with the lowest validation_loss"),
    Expectation("best_epoch(rows) when the last epoch is best",
                lambda f: _best_epoch_case(f, [{"epoch": 1.0, "validation_loss": 0.7},
                                               {"epoch": 2.0, "validation_loss": 0.5},
                                               {"epoch": 3.0, "validation_loss": 0.45}], 3.0),
                "do not assume the best epoch is in the middle", hidden=True),
])


def _collapse_case(is_collapsed, predictions, expected):
    got = _call(is_collapsed, np.asarray(predictions))
    return bool(got) == expected and isinstance(got, (bool, np.bool_)), expected, got


task("05-is-collapsed", "Detect collapse to one class", [
    Expectation("is_collapsed(predictions) when 98% are class 1",
                lambda f: _collapse_case(f, [1] * 98 + [0, 0], True),
                "compute the share of the most frequent class (np.bincount) and compare with 0.95"),
    Expectation("is_collapsed(predictions) for a healthy 60/40 split",
                lambda f: _collapse_case(f, [1] * 60 + [0] * 40, False),
                "a model that uses both classes has not collapsed"),
    Expectation("is_collapsed(predictions) with three classes",
                lambda f: _collapse_case(f, [2] * 97 + [0, 1, 0], True),
                "do not assume there are only two classes", hidden=True),
])


def _overfit_case(overfitting_from, rows, expected):
    # None is a right answer here, so only the first expectation treats it as "not attempted"
    got = overfitting_from(rows) if expected is None else _call(overfitting_from, rows)
    return got == expected, expected, got


task("05-overfitting-from", "From which epoch does a run overfit?", [
    Expectation("overfitting_from(rows) for a run whose validation loss is lowest at epoch 2",
                lambda f: _overfit_case(f, _ROWS, 3.0),
                "the first epoch after the one with the lowest validation loss; return None if that "
                "is the last epoch"),
    Expectation("overfitting_from(rows) for a run that never overfits",
                lambda f: _overfit_case(f, [{"epoch": 1.0, "validation_loss": 0.7},
                                            {"epoch": 2.0, "validation_loss": 0.5}], None),
                "return None when the best epoch is the last", hidden=True),
])


# ---- lesson 03 ----------------------------------------------------------------------------------

def _align_case(align_labels, word_ids, tags, expected):
    got = _call(align_labels, list(word_ids), list(tags))
    got = list(got) if isinstance(got, (list, tuple)) else got
    return got == expected, expected, got


task("03-align-labels", "Align word tags with word pieces", [
    Expectation("align_labels([None, 0, 1, 1, 2, None], [1, 2, 0])",
                lambda f: _align_case(f, [None, 0, 1, 1, 2, None], [1, 2, 0], [-100, 1, 2, -100, 0, -100]),
                "-100 where the word id is None or equals the previous token's word id; else word_tags[word]"),
    Expectation("a word split into three pieces at the start of the sentence",
                lambda f: _align_case(f, [None, 0, 0, 0, 1, None], [3, 0], [-100, 3, -100, -100, 0, -100]),
                "only the first piece of each word keeps its tag", hidden=True),
])


def _entities_case(entities, tags, expected):
    got = _call(entities, list(tags))
    got = [tuple(item) for item in got] if isinstance(got, (list, tuple)) else got
    return got == expected, expected, got


task("03-entities", "Read entities out of B-/I-/O tags", [
    Expectation("entities(['B-PER', 'I-PER', 'O', 'B-LOC'])",
                lambda f: _entities_case(f, ["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 1), ("LOC", 3, 3)]),
                "start an entity at each B- tag and extend it over the I- tags of the same type that follow"),
    Expectation("two organisations side by side: ['B-ORG', 'B-ORG', 'I-ORG']",
                lambda f: _entities_case(f, ["B-ORG", "B-ORG", "I-ORG"], [("ORG", 0, 0), ("ORG", 1, 2)]),
                "a B- tag starts a new entity even right after another one"),
    Expectation("an entity that ends the sentence",
                lambda f: _entities_case(f, ["O", "O", "B-MISC", "I-MISC", "I-MISC"], [("MISC", 2, 4)]),
                "do not forget the last entity", hidden=True),
])


def _weights_case(accumulation_weights, batches, expected):
    got = _call(accumulation_weights, batches)
    ok = isinstance(got, (list, tuple, np.ndarray)) and len(got) == len(expected) and all(
        abs(float(g) - e) < 1e-9 for g, e in zip(got, expected))
    return ok, expected, got


task("03-accumulation-weights", "Weights for gradient accumulation", [
    Expectation("accumulation_weights([[-100, 1, 0, -100], [-100, 3, -100]])",
                lambda f: _weights_case(f, [[-100, 1, 0, -100], [-100, 3, -100]], [2 / 3, 1 / 3]),
                "count the labels that are not -100 in each batch, then divide each count by the total"),
    Expectation("three batches of different sizes",
                lambda f: _weights_case(f, [[0, 0, 0, 0], [-100, 5], [1, -100, 2, 3]], [0.5, 0.125, 0.375]),
                "the weights must add up to 1", hidden=True),
])


# ---- lesson 04 ----------------------------------------------------------------------------------

# "[CLS] who ? [SEP] siemens hired werner zwingmann . [SEP]"; context: "Siemens hired Werner Zwingmann."
_OFFSETS = [(0, 0), (0, 3), (3, 4), (0, 0), (0, 7), (8, 13), (14, 20), (21, 24), (24, 30), (30, 31), (0, 0)]
_SEQUENCE_IDS = [None, 0, 0, None, 1, 1, 1, 1, 1, 1, None]


def _span_case(answer_token_span, start_char, end_char, expected, offsets=_OFFSETS, sequence_ids=_SEQUENCE_IDS):
    got = _call(answer_token_span, list(offsets), list(sequence_ids), start_char, end_char)
    got = tuple(int(x) for x in got) if isinstance(got, (list, tuple)) and len(got) == 2 else got
    return got == expected, expected, got


task("04-answer-token-span", "Characters to tokens", [
    Expectation("the answer 'Werner Zwingmann' (characters 14-30) in one window",
                lambda f: _span_case(f, 14, 30, (6, 8)),
                "start: the first context token whose end offset is past start_char; end: the last context "
                "token whose start offset is before end_char"),
    Expectation("an answer cut off by the end of the window",
                lambda f: _span_case(f, 14, 30, (0, 0), offsets=_OFFSETS[:7] + [(0, 0)],
                                     sequence_ids=_SEQUENCE_IDS[:7] + [None]),
                "return (0, 0) when the first context token starts after start_char or the last one ends "
                "before end_char"),
    Expectation("a one-token answer at the start of the context",
                lambda f: _span_case(f, 0, 7, (4, 4)),
                "only look at tokens whose sequence id is 1", hidden=True),
])


def _best_span_case(best_span, start_logits, end_logits, offsets, max_tokens, expected):
    got = _call(best_span, list(start_logits), list(end_logits), list(offsets), max_tokens)
    got = tuple(int(x) for x in got) if isinstance(got, (list, tuple)) and len(got) == 2 else got
    return got == expected, expected, got


_CONTEXT_ONLY = [None, None, (0, 3), (4, 9), (10, 15), (16, 20), None]

task("04-best-span", "The best valid span", [
    Expectation("best_span with the highest scores inside the context",
                lambda f: _best_span_case(f, [0, 0, 1, 5, 0, 0, 0], [0, 0, 0, 1, 4, 0, 0], _CONTEXT_ONLY, 30, (3, 4)),
                "try every start and end, keep the pair with the highest start + end score"),
    Expectation("the top scores sit on question tokens (offset None)",
                lambda f: _best_span_case(f, [9, 9, 1, 2, 0, 0, 0], [9, 9, 0, 3, 1, 0, 0], _CONTEXT_ONLY, 30, (3, 3)),
                "skip starts and ends whose offset is None"),
    Expectation("an end before the start, and a span that is too long",
                lambda f: _best_span_case(f, [0, 0, 6, 1, 0, 3, 0], [0, 0, 0, 1, 7, 6, 0], _CONTEXT_ONLY, 2, (5, 5)),
                "require end >= start and end - start + 1 <= max_answer_tokens", hidden=True),
])


def _f1_case(answer_f1, prediction, truth, expected):
    got = _call(answer_f1, prediction, truth)
    ok = isinstance(got, (int, float, np.floating)) and abs(float(got) - expected) < 1e-9
    return ok, round(expected, 4), got


task("04-answer-f1", "SQuAD's F1 for one answer", [
    Expectation("answer_f1('the Denver Broncos', 'Denver Broncos')",
                lambda f: _f1_case(f, "the Denver Broncos", "Denver Broncos", 1.0),
                "normalise first: lower case, no punctuation, no a/an/the"),
    Expectation("answer_f1('Denver', 'Denver Broncos')",
                lambda f: _f1_case(f, "Denver", "Denver Broncos", 2 / 3),
                "precision = shared words / predicted words, recall = shared words / true words"),
    Expectation("punctuation inside words, and answers with nothing in common",
                lambda f: (_f1_case(f, "U.S.-based firms", "US-based firm", 0.5)
                           if _f1_case(f, "Carolina", "Denver Broncos", 0.0)[0]
                           else _f1_case(f, "Carolina", "Denver Broncos", 0.0)),
                "punctuation is deleted, not replaced by a space ('U.S.-based' -> 'usbased')", hidden=True),
])
