"""Lesson 01's tasks: count trainable parameters, freeze the encoder, relative weight change per
block. The kernel builds tiny BERTs and state dicts from plain specs; the references work on the
same specs in plain Python (a BERT's parameter names and sizes follow from its config)."""

from __future__ import annotations

import math
import random

from .compare import Mismatch, close_dict, exact, show
from .registry import Case, Misconception, Task, register
from .safetext import clean

TOLERANCE = 1e-5
SMALL = {"vocab_size": 100, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
         "intermediate_size": 32, "max_position_embeddings": 64, "type_vocab_size": 2, "num_labels": 2}


def bert_parameters(config: dict) -> dict[str, int]:
    """Name -> size of every parameter of BertForSequenceClassification(BertConfig(**config))."""
    h, i = config["hidden_size"], config["intermediate_size"]
    sizes = {"bert.embeddings.word_embeddings.weight": config["vocab_size"] * h,
             "bert.embeddings.position_embeddings.weight": config["max_position_embeddings"] * h,
             "bert.embeddings.token_type_embeddings.weight": config.get("type_vocab_size", 2) * h,
             "bert.embeddings.LayerNorm.weight": h, "bert.embeddings.LayerNorm.bias": h}
    for layer in range(config["num_hidden_layers"]):
        prefix = f"bert.encoder.layer.{layer}."
        shapes = {"attention.self.query": (h * h, h), "attention.self.key": (h * h, h),
                  "attention.self.value": (h * h, h), "attention.output.dense": (h * h, h),
                  "attention.output.LayerNorm": (h, h), "intermediate.dense": (i * h, i),
                  "output.dense": (h * i, h), "output.LayerNorm": (h, h)}
        for part, (weight, bias) in shapes.items():
            sizes[f"{prefix}{part}.weight"], sizes[f"{prefix}{part}.bias"] = weight, bias
    sizes.update({"bert.pooler.dense.weight": h * h, "bert.pooler.dense.bias": h,
                  "classifier.weight": config["num_labels"] * h, "classifier.bias": config["num_labels"]})
    return sizes


def _frozen(name: str, spec: dict) -> bool:
    return any(name.startswith(prefix + ".") for prefix in spec.get("frozen", []))


# ---- references (run in the grader's process only) -------------------------------------------------

def count_trainable(spec):
    """The number of trainable numbers in the model `spec` describes."""
    return sum(size for name, size in bert_parameters(spec["config"]).items() if not _frozen(name, spec))


def _split(spec, trains) -> dict:
    names = sorted(bert_parameters(spec["config"]))
    return {"trainable": [name for name in names if trains(name)],
            "frozen": [name for name in names if not trains(name)]}


def freeze_encoder(spec):
    """Which parameters still train once the encoder is frozen (the head's) and which are frozen (all the
    others: every model has its own, so no fixed list of names passes)."""
    return _split(spec, lambda name: name.startswith("classifier."))


def block_of(name: str) -> str | None:
    """"embeddings", "layer N" (from 1) or "head" for a parameter name; None for the rest (the pooler)."""
    if name.startswith("bert.embeddings."):
        return "embeddings"
    if name.startswith("bert.encoder.layer."):
        return f"layer {int(name.split('.')[3]) + 1}"
    return "head" if name.startswith("classifier.") else None


def relative_change(before, after, *, per_tensor=False, norm_difference=False, name_block=block_of):
    """‖after − before‖ / ‖before‖ per block over all its tensors (keywords: the known wrong variants)."""
    sums: dict[str, list] = {}
    for name, (shape, start) in before.items():
        block = name_block(name)
        if block is not None:
            end = after[name][1]
            change = ((_norm(end) - _norm(start)) ** 2 if norm_difference
                      else sum((b - a) ** 2 for a, b in zip(start, end)))
            sums.setdefault(block, []).append((change, sum(a * a for a in start)))
    if per_tensor:
        return {block: sum(math.sqrt(c / s) for c, s in pairs) / len(pairs) for block, pairs in sums.items()}
    return {block: math.sqrt(sum(c for c, _ in pairs) / sum(s for _, s in pairs)) for block, pairs in sums.items()}


def _norm(values) -> float:
    return math.sqrt(sum(v * v for v in values))


# ---- known wrong answers -----------------------------------------------------------------------------

def _all_parameters(spec):
    return sum(bert_parameters(spec["config"]).values())


def _tensors_not_numbers(spec):
    return sum(1 for name in bert_parameters(spec["config"]) if not _frozen(name, spec))


def _encoder_layers_only(spec):
    return _split(spec, lambda name: not name.startswith("bert.encoder."))


def _layers_from_zero(name):
    block = block_of(name)
    return f"layer {int(name.split('.')[3])}" if block and block.startswith("layer") else block


def _pooler_too(name):
    return "pooler" if name.startswith("bert.pooler.") else block_of(name)


# ---- comparing which parameters still train --------------------------------------------------------

def _groups(names) -> str:
    groups: dict[str, int] = {}
    for name in names:
        parts = name.split(".")
        depth = 4 if name.startswith("bert.encoder.") else 2 if name.startswith("bert.") else 1
        group = ".".join(parts[:depth])
        groups[group] = groups.get(group, 0) + 1
    shown = [f"{group}.* ({count})" for group, count in groups.items()]
    return (", ".join(shown[:12]) + (f", ... ({len(shown) - 12} more)" if len(shown) > 12 else "")) or "nothing"


def compare_trainable(expected, got) -> Mismatch | None:
    """The trainable parameter names after the call, against the expected ones, by group; and every
    other parameter of the model still there, frozen."""
    trainable = got.get("trainable") if isinstance(got, dict) else None
    frozen = got.get("frozen") if isinstance(got, dict) else None
    if not isinstance(trainable, list) or not isinstance(frozen, list):
        return Mismatch("only the head's parameters trainable", show(got))
    trainable, frozen = [clean(name, 200) for name in trainable], [clean(name, 200) for name in frozen]
    want = expected["trainable"]
    if sorted(trainable) != sorted(want):
        should_freeze = [name for name in trainable if name not in want]
        should_train = [name for name in want if name not in trainable]
        detail = "; ".join(part for part in (f"still trainable: {_groups(should_freeze)}" if should_freeze else "",
                                             f"frozen but should train: {_groups(should_train)}" if should_train
                                             else "") if part)
        return Mismatch(f"trainable: {_groups(want)}", f"trainable: {_groups(trainable)}", detail)
    if sorted(frozen) != sorted(expected["frozen"]):
        gone = [name for name in expected["frozen"] if name not in frozen]
        return Mismatch(f"frozen: {_groups(expected['frozen'])}", f"frozen: {_groups(frozen)}",
                        f"missing from the model: {_groups(gone)}; keep the model's modules and set "
                        f"requires_grad to False on their parameters" if gone else "")
    return None


# ---- hidden cases ----------------------------------------------------------------------------------------

def _random_config(rng: random.Random) -> dict:
    heads = rng.choice([1, 2, 4])
    hidden = heads * rng.choice([2, 4, 8])
    return {"vocab_size": rng.randint(30, 300), "hidden_size": hidden, "num_hidden_layers": rng.randint(1, 4),
            "num_attention_heads": heads, "intermediate_size": hidden * rng.choice([2, 4]),
            "max_position_embeddings": rng.choice([32, 64, 128]), "type_vocab_size": 2,
            "num_labels": rng.randint(2, 5)}


def _hidden_count(rng: random.Random) -> Case:
    config = _random_config(rng)
    modules = (["bert.embeddings", "bert.pooler", "classifier"]
               + [f"bert.encoder.layer.{n}" for n in range(config["num_hidden_layers"])])
    return Case(({"config": config, "seed": rng.randrange(1000),
                  "frozen": [m for m in modules if rng.random() < 0.35]},))


def _hidden_freeze(rng: random.Random) -> Case:
    """A model with another number of layers than the visible one's 2: its frozen parameters differ."""
    config = dict(_random_config(rng), num_hidden_layers=rng.choice([1, 3, 4]))
    return Case(({"config": config, "seed": rng.randrange(1000), "frozen": []},))


def _values(rng: random.Random, count: int) -> list[float]:
    return [rng.choice([-1, 1]) * rng.randint(1, 16) / 8 for _ in range(count)]


def _hidden_change(rng: random.Random) -> Case:
    names = ["bert.embeddings.word_embeddings.weight", "bert.embeddings.LayerNorm.weight", "bert.pooler.dense.weight",
             "classifier.weight", "classifier.bias"]
    for layer in range(rng.randint(1, 12)):
        names += [f"bert.encoder.layer.{layer}.{part}" for part in
                  rng.sample(["attention.self.query.weight", "attention.self.query.bias", "output.dense.weight"],
                             rng.randint(1, 3))]
    before, after = {}, {}
    for name in names:
        shape = rng.choice([[2], [3], [2, 2], [2, 3]])
        start = _values(rng, math.prod(shape))
        scale = rng.choice([0, 1, 2, 4])
        before[name] = [shape, start]
        after[name] = [shape, [v + scale * rng.randint(-4, 4) / 16 for v in start]]
    return Case((before, after))


def _tensor_text(shape, values) -> str:
    return f"all {values[0]}" if len(set(values)) == 1 else str(values)


def _show_change(before, after) -> str:
    lines = [f"\n    {name} ({'x'.join(map(str, shape))}): {_tensor_text(shape, start)} -> "
             f"{_tensor_text(shape, after[name][1])}" for name, (shape, start) in before.items()]
    return "before -> after:" + "".join(lines)


def _change_case(label: str, tensors: dict) -> Case:
    before = {name: [shape, [a] * math.prod(shape)] for name, (shape, a, _) in tensors.items()}
    after = {name: [shape, [b] * math.prod(shape)] for name, (shape, _, b) in tensors.items()}
    return Case((before, after), label, _show_change(before, after))


def _model_case(label: str, frozen: list) -> Case:
    shown = (f"model = a small BertForSequenceClassification (hidden size 16, 2 layers, vocabulary 100)"
             + (f" with {', '.join(frozen)} frozen" if frozen else ""))
    return Case(({"config": SMALL, "seed": 0, "frozen": frozen},), label, shown)


_BLOCKS = {"bert.embeddings.word_embeddings.weight": ([3, 2], 1.0, 1.0),
           "bert.embeddings.LayerNorm.weight": ([2], 1.0, 1.0),
           "bert.encoder.layer.0.attention.self.query.weight": ([2, 2], 1.0, 1.5),
           "bert.encoder.layer.0.attention.self.query.bias": ([2], 0.5, 0.5),
           "bert.encoder.layer.1.output.dense.weight": ([2, 2], 2.0, 2.5),
           "bert.pooler.dense.weight": ([2, 2], 1.0, 4.0),
           "classifier.weight": ([2, 2], 1.0, 3.0),
           "classifier.bias": ([2], 1.0, 1.0)}

register(
    Task("01-count-trainable", "Count the trainable parameters", "count_trainable", ("model",), "bert",
         count_trainable, exact,
         visible=(_model_case("nothing frozen", []), _model_case("the embeddings frozen", ["bert.embeddings"]),
                  _model_case("the embeddings and the first layer frozen",
                              ["bert.embeddings", "bert.encoder.layer.0"])),
         hidden=_hidden_count,
         nudge="Training updates every number inside every parameter that requires a gradient, and only those.",
         hint="Go through model.parameters(); for each parameter with requires_grad set, add its number of "
              "elements (numel).",
         misconceptions=(Misconception(_all_parameters, "Frozen parameters (requires_grad False) do not train: "
                                       "leave them out."),
                         Misconception(_tensors_not_numbers, "Count the numbers inside each parameter tensor "
                                       "(its number of elements), not the tensors."))),
    Task("01-freeze-encoder", "Freeze the encoder, train only the head", "freeze_encoder", ("model",), "bert",
         freeze_encoder, compare_trainable, observer="model",
         visible=(_model_case("a small BERT classifier", []),),
         hidden=_hidden_freeze,
         nudge="Feature extraction trains only the new head: everything of the pretrained model must stop "
               "receiving gradient updates.",
         hint="model.base_model is the whole pretrained BERT (embeddings, layers and pooler): set requires_grad "
              "to False on each of its parameters and leave model.classifier alone.",
         misconceptions=(Misconception(_encoder_layers_only, "model.bert.encoder is only the layers: the "
                                       "embeddings and the pooler are part of the pretrained model too "
                                       "(model.base_model)."),
                         Misconception(lambda spec: _split(spec, lambda name: False),
                                       "The head (model.classifier) must keep training.")),
         untouched=lambda value: isinstance(value, dict) and value.get("returned_none") is True
         and not value.get("frozen")),
    Task("01-relative-change", "Relative weight change per block", "relative_change", ("before", "after"),
         "state_dicts", relative_change, close_dict(TOLERANCE),
         visible=(_change_case("blocks of several tensors of different sizes", _BLOCKS),),
         hidden=_hidden_change,
         nudge="A block's change is one norm over all of its tensors together, relative to the same norm of "
               "its weights before training.",
         hint="For each block add up the squared differences after - before over all its tensors, and "
              "separately the squared before-values; the block's value is the square root of their ratio. "
              "Layers count from 1 and parameters of no block (the pooler) are left out.",
         misconceptions=(Misconception(lambda b, a: relative_change(b, a, per_tensor=True), "It looks like you "
                                       "averaged each tensor's own ratio: the norm runs over all of a block's "
                                       "tensors together."),
                         Misconception(lambda b, a: relative_change(b, a, norm_difference=True), "‖after − "
                                       "before‖ is the norm of the difference, not the difference of the norms."),
                         Misconception(lambda b, a: relative_change(b, a, name_block=_layers_from_zero),
                                       "Layers are numbered from 1: bert.encoder.layer.0. is \"layer 1\"."),
                         Misconception(lambda b, a: relative_change(b, a, name_block=_pooler_too), "The pooler "
                                       "belongs to no block: leave it out."))),
)
