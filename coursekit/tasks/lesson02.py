"""Lesson 02's tasks: tokenize for dynamic padding, compute_metrics for Trainer, TrainingArguments for
early stopping. The tokenize reference uses the course's tokenizer, loaded in the grader's process."""

from __future__ import annotations

import random
import threading

from .compare import PLAIN_NAMES, Mismatch, close_dict, equal, show, type_name
from .registry import Case, Misconception, Task, register
from .safetext import clean
from .vocabulary import WORDS

MAX_TOKENS = 128
TOLERANCE = 1e-6
_LOCK = threading.Lock()
_TOKENIZER = []


def _tokenizer():
    with _LOCK:
        if not _TOKENIZER:
            from transformers import AutoTokenizer

            from ..lesson.models import checkpoint_for

            _TOKENIZER.append(AutoTokenizer.from_pretrained(checkpoint_for("sentiment")))
        return _TOKENIZER[0]


# ---- references (run in the grader's process only) -------------------------------------------------

def tokenize(batch, **options):
    """input_ids and attention_mask, truncated at 128 tokens, not padded (options: wrong variants)."""
    settings = {"truncation": True, "max_length": MAX_TOKENS, **options}
    tokenizer = _tokenizer()
    with _LOCK:  # a fast tokenizer is not safe to call from several threads at once
        encoded = tokenizer(list(batch["text"]), **settings)
    return {"input_ids": [list(ids) for ids in encoded["input_ids"]],
            "attention_mask": [list(mask) for mask in encoded["attention_mask"]]}


def compute_metrics(eval_pred, *, average="binary", decimals=None):
    """accuracy, and precision, recall and F1 of class 1 (keywords: the known wrong variants)."""
    predictions = [max(range(len(row)), key=row.__getitem__) for row in eval_pred["predictions"]]
    labels = eval_pred["label_ids"]
    scores = {"accuracy": sum(p == y for p, y in zip(predictions, labels)) / len(labels)}
    per_class = [_class_scores(predictions, labels, positive) for positive in (0, 1)]
    chosen = per_class[1] if average == "binary" else [sum(values) / 2 for values in zip(*per_class)]
    scores.update(zip(("precision", "recall", "f1"), chosen))
    return scores if decimals is None else {name: round(value, decimals) for name, value in scores.items()}


def _class_scores(predictions, labels, positive) -> tuple[float, float, float]:
    hits = sum(p == positive and y == positive for p, y in zip(predictions, labels))
    precision = hits / max(sum(p == positive for p in predictions), 1)
    recall = hits / max(sum(y == positive for y in labels), 1)
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def early_stopping_args(output_dir):
    """The fields of TrainingArguments that early stopping on the validation loss needs."""
    return {"output_dir": output_dir, "eval_strategy": "epoch", "save_strategy": "epoch",
            "load_best_model_at_end": True, "metric_for_best_model": "eval_loss", "greater_is_better": False,
            "report_to": []}


# ---- comparing encodings and arguments ---------------------------------------------------------------

def _lengths(encoded: dict) -> list:
    return [len(ids) if isinstance(ids, list) else type_name(ids) for ids in encoded.get("input_ids", [])]


def compare_encoding(expected, got) -> Mismatch | None:
    """input_ids and attention_mask, text by text; the detail names what went wrong."""
    if not isinstance(got, dict) or not isinstance(got.get("input_ids"), list):
        return Mismatch("a dict-like encoding with input_ids and attention_mask", show(got),
                        "return what the tokenizer returns")
    wanted, lengths = _lengths(expected), _lengths(got)
    want = f"tokens per text: {wanted} (truncated at {MAX_TOKENS}, not padded)"
    if lengths != wanted:
        return Mismatch(want, f"tokens per text: {lengths}", _length_problem(wanted, lengths))
    if got["input_ids"] != expected["input_ids"]:
        firsts = [(ids[0], ids[-1]) for ids in got["input_ids"] if ids]
        detail = ("each text must start with [CLS] (101) and end with [SEP] (102)"
                  if any(pair != (101, 102) for pair in firsts) else "use the notebook's tokenizer")
        return Mismatch(want + " and the tokenizer's ids", "other token ids", detail)
    if got.get("attention_mask") != expected["attention_mask"]:
        return Mismatch("an attention_mask of 1s, one per token", show(got.get("attention_mask")),
                        "keep the attention_mask the tokenizer returns")
    return None


def _length_problem(wanted: list, lengths: list) -> str:
    if len(lengths) != len(wanted):
        return f"expected one encoding per text ({len(wanted)}), got {len(lengths)}"
    if not all(isinstance(n, int) for n in lengths):
        return "input_ids must be one list of ids per text"
    if len(set(lengths)) == 1 and len(set(wanted)) > 1:
        return "every text has the same length: do not pad here, the data collator pads each batch"
    if max(lengths) > MAX_TOKENS:
        return f"a text is longer than {MAX_TOKENS} tokens: truncate"
    cut = next(i for i, (n, w) in enumerate(zip(lengths, wanted)) if n != w)
    return f"text {cut + 1} ({wanted[cut]} tokens) came back with {lengths[cut]}: truncate at {MAX_TOKENS} tokens"


_ACCEPTED = {"metric_for_best_model": ("eval_loss", "loss"), "report_to": ([], ["none"], "none")}
_WHY = {
    "eval_strategy": "evaluate every epoch: eval_strategy='epoch'",
    "save_strategy": "save a checkpoint every epoch, as often as you evaluate: save_strategy='epoch'",
    "load_best_model_at_end": "reload the best checkpoint at the end: load_best_model_at_end=True",
    "metric_for_best_model": "the best checkpoint is the one with the lowest validation loss (eval_loss)",
    "greater_is_better": "a lower loss is better: with greater_is_better=True Trainer would reload the "
                         "checkpoint with the highest loss, the worst one",
    "report_to": "report to no logging service: report_to='none'",
    "output_dir": "use the output_dir you are given",
}


def _returned_kind(got) -> str:
    name = got.get("type") if isinstance(got, dict) and isinstance(got.get("type"), str) else None
    if name is None:
        return type_name(got)
    name = clean(name, 80)
    plain = "None" if name == "None" else PLAIN_NAMES.get(name)  # the probe names a returned None "None"
    return plain or f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name} object"


def compare_arguments(expected, got) -> Mismatch | None:
    """The early-stopping fields of the returned TrainingArguments, each against what it must be;
    anything but a TrainingArguments (a dict or a namespace with the same fields) fails."""
    if not isinstance(got, dict) or got.get("training_arguments") is not True:
        kind = _returned_kind(got)
        return Mismatch("TrainingArguments(...)", kind, f"return TrainingArguments(...), not {kind}")
    for field, value in expected.items():
        if not any(equal(got.get(field), accepted) for accepted in _ACCEPTED.get(field, (value,))):
            return Mismatch(f"{field}={show(value)}", f"{field}={show(got.get(field))}", _WHY[field])
    return None


# ---- hidden cases ----------------------------------------------------------------------------------------

def _text(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    text = " ".join(w + ("," if rng.random() < 0.08 else "." if rng.random() < 0.06 else "") for w in chosen)
    return text[0].upper() + text[1:]


def _hidden_texts(rng: random.Random) -> Case:
    sizes = [rng.randint(1, 12), rng.randint(60, 95), rng.randint(150, 260)] + [rng.randint(1, 40)
                                                                                for _ in range(rng.randint(0, 2))]
    rng.shuffle(sizes)
    return Case(({"text": [_text(rng, n) for n in sizes]},))


def _hidden_predictions(rng: random.Random) -> Case:
    count = rng.randint(8, 60)
    logits = []
    while len(logits) < count:
        row = [round(rng.uniform(-3, 3), 4) for _ in range(2)]
        logits += [row] if row[0] != row[1] else []
    return Case(({"predictions": logits, "label_ids": [rng.randint(0, 1) for _ in range(count)]},))


def _hidden_dir(rng: random.Random) -> Case:
    return Case((f"runs/{rng.choice(WORDS).lower()}-{rng.randrange(10_000)}",))


_REVIEW = ("A slow-burning, handsomely shot drama about two estranged sisters who return to their late mother's "
           "seaside town, where old letters, a half-sold house and a stubborn neighbour force them to talk. The "
           "script takes its time and the second act sags, but the performances are warm and precise, the score "
           "never tells you what to feel, and the final scene, quiet as it is, lands with real weight. Worth "
           "seeing on a big screen if you can.")
_TEXTS = ["A gripping, beautifully acted thriller.", "Dull.", _REVIEW, "word " * 300]
_PREDICTIONS = {"predictions": [[0.2, 1.1], [1.5, -0.3], [0.1, 0.4], [2.0, 1.0], [-0.5, 0.5], [0.3, -0.2],
                                [0.9, 1.2], [1.1, 0.2], [-1.0, 0.3], [0.6, 0.7], [0.8, -0.8], [0.0, 0.9]],
                "label_ids": [1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1]}
_ALL_NEGATIVE = {"predictions": [[1.0, 0.0], [0.5, -0.5], [2.0, 1.0], [0.3, 0.1], [1.2, 1.1]],
                 "label_ids": [0, 1, 0, 1, 0]}


def _texts_shown(texts: list) -> str:
    shortened = [text if len(text) < 45 else f"{text[:40].strip()}... ({len(text.split())} words)" for text in texts]
    return f"batch = {{'text': {shortened}}}"


def _metrics_case(data: dict, label: str) -> Case:
    return Case((data,), label, f"eval_pred = EvalPrediction(predictions={data['predictions']}, "
                                f"label_ids={data['label_ids']})")


register(
    Task("02-tokenize", "Tokenize a batch for dynamic padding", "tokenize", ("batch",), "args",
         tokenize, compare_encoding,
         visible=(Case(({"text": _TEXTS},), "a short, a tiny, a 98-token and a 300-word review",
                       _texts_shown(_TEXTS)),),
         hidden=_hidden_texts,
         nudge="Each text keeps its own length (the data collator pads each batch later), cut at 128 tokens.",
         hint="Call the notebook's tokenizer on batch['text'] with truncation at max_length=128 and no padding "
              "argument; return what it returns.",
         misconceptions=(Misconception(lambda b: tokenize(b, max_length=64), "Truncate at 128 tokens, not 64."),
                         Misconception(lambda b: tokenize(b, padding="max_length"), "Do not pad here: the data "
                                       "collator pads each batch to its own longest text."),
                         Misconception(lambda b: tokenize(b, padding=True), "Do not pad here: the data "
                                       "collator pads each batch to its own longest text."),
                         Misconception(lambda b: tokenize(b, truncation=False, max_length=None),
                                       "Truncate: BERT takes at most 512 tokens and the course uses 128."))),
    Task("02-compute-metrics", "compute_metrics for Trainer", "compute_metrics", ("eval_pred",), "eval_pred",
         compute_metrics, close_dict(TOLERANCE, extra_keys_allowed=True),
         visible=(_metrics_case(_PREDICTIONS, "12 examples"),
                  _metrics_case(_ALL_NEGATIVE, "no example predicted positive (precision counts as 0)")),
         hidden=_hidden_predictions,
         nudge="The predicted class is the column with the highest logit; precision, recall and F1 are those "
               "of the positive class, 1.",
         hint="Take the argmax over the last axis of eval_pred.predictions and compare with eval_pred.label_ids: "
              "accuracy is the share that match; precision = true positives / predicted positives, recall = "
              "true positives / actual positives (0 when there are none), F1 their harmonic mean. Do not round.",
         misconceptions=tuple(Misconception(lambda e, n=n: compute_metrics(e, decimals=n), f"Your values look "
                                            f"rounded to {n} decimals: return them unrounded (the check compares "
                                            f"within {TOLERANCE:g}).") for n in (2, 3, 4))
         + (Misconception(lambda e: compute_metrics(e, average="macro"), "precision, recall and F1 are those of "
                          "the positive class (1), not averaged over both classes."),)),
    Task("02-early-stopping-args", "TrainingArguments for early stopping", "early_stopping_args",
         ("output_dir",), "args", early_stopping_args, compare_arguments, observer="training_args",
         visible=(Case(("checkpoints",), "output_dir='checkpoints'"),),
         hidden=_hidden_dir,
         untouched=lambda value: value is None or (isinstance(value, dict) and value.get("type") == "None"
                                                   and value.get("training_arguments") is False),
         nudge="Early stopping needs an evaluation and a checkpoint every epoch, and Trainer must know which "
               "checkpoint is best: the one with the lowest validation loss.",
         hint="Pass the output_dir you are given; set both the evaluation and the save strategy to every "
              "epoch, turn on loading the best model at the end, make the validation loss the metric for the "
              "best model (remember that a lower loss is better) and report to no service."),
)
