"""Kernel side of a check: build the grader's inputs, call the learner's function, return plain data.

This module runs where the learner's code runs: inside the graded kernel (the sandbox imports it
before any learner code) and in the learner's own Jupyter for `coursekit.check`. It holds no
reference solution, no hidden input and no verdict: the grader sends each input as JSON, and this
module hands back what the learner's function returned, converted to plain data (numbers, strings,
lists, dicts; NumPy and torch values converted; anything else named as unserializable). The grader
compares that with its references in its own process, so whatever comes back is untrusted data.
"""

from __future__ import annotations

import json

MAX_CHARS = 200_000  # a returned value larger than this as JSON is not taken (the grader takes at most 1 MiB)
MAX_DEPTH = 20


class Unserializable(Exception):
    """The returned value (or a part of it) is not plain data."""


# ---- turning a returned value into plain data ------------------------------------------------------

def _a(name: str) -> str:
    name = name if len(name) <= 80 else name[:80] + "..."
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _library(value) -> str:
    return type(value).__module__.split(".")[0]


def plain(value, depth: int = 0):
    """`value` as JSON-able data: None, bool, int, float, str, lists and dicts with str keys.

    NumPy and torch scalars and arrays become numbers and lists; tuples become lists; mappings such
    as BatchEncoding become dicts; an Enum becomes its value. Anything else raises Unserializable.
    """
    if depth > MAX_DEPTH:
        raise Unserializable("a value nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    if _library(value) in ("numpy", "torch") and hasattr(value, "tolist"):
        if _library(value) == "torch":
            value = value.detach().cpu()
        return plain(value.tolist(), depth + 1)
    import enum

    if isinstance(value, enum.Enum):
        return plain(value.value, depth + 1)
    return _plain_container(value, depth)


def _plain_container(value, depth: int):
    from collections.abc import Mapping

    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value.keys()):
            raise Unserializable(f"{_a(type(value).__name__)} whose keys are not all strings")
        return {str.__str__(key): plain(value[key], depth + 1) for key in value.keys()}
    raise Unserializable(f"{_a(type(value).__name__)} object")


# ---- building the grader's inputs (fresh for every call) ---------------------------------------------

def _tiny_bert(spec: dict):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(spec.get("seed", 0))
    model = BertForSequenceClassification(BertConfig(**spec["config"]))
    for name, parameter in model.named_parameters():
        if any(name.startswith(prefix + ".") for prefix in spec.get("frozen", [])):
            parameter.requires_grad_(False)
    return model


def _tensors(named: dict) -> dict:
    import torch

    return {name: torch.tensor(values, dtype=torch.float32).reshape(shape)
            for name, (shape, values) in named.items()}


def _eval_pred(data: dict):
    import numpy as np
    from transformers import EvalPrediction

    return EvalPrediction(predictions=np.asarray(data["predictions"], dtype=np.float32),
                          label_ids=np.asarray(data["label_ids"], dtype=np.int64))


def _pairs(offsets: list) -> list:
    return [tuple(pair) if isinstance(pair, list) else pair for pair in offsets]


def _ndarray(values: list):
    import numpy as np

    return np.asarray(values, dtype=np.int64)


BUILDERS = {
    "args": lambda args: list(args),
    "bert": lambda args: [_tiny_bert(args[0])],
    "state_dicts": lambda args: [_tensors(args[0]), _tensors(args[1])],
    "eval_pred": lambda args: [_eval_pred(args[0])],
    "offsets": lambda args: [_pairs(args[0]), *args[1:]],
    "span_offsets": lambda args: [args[0], args[1], _pairs(args[2]), args[3]],
    "ndarray": lambda args: [_ndarray(args[0])],
}


def prepare(name: str) -> str:
    """Import what builder or observer `name` needs (torch and transformers are slow to import, and the
    first TrainingArguments sets up accelerate), so that a learner's call is not charged for it."""
    if name in ("bert", "eval_pred", "state_dicts"):
        import torch  # noqa: F401
    if name in ("bert", "eval_pred"):
        import transformers

        transformers.BertForSequenceClassification if name == "bert" else transformers.EvalPrediction
    if name == "training_args":
        from transformers import TrainingArguments

        TrainingArguments(output_dir="prepared", report_to="none")
    return "ready"


# ---- observing what the learner's function did -----------------------------------------------------

def _model_state(returned, inputs) -> dict:
    model = inputs[0]
    named = list(model.named_parameters())
    return {"returned_none": returned is None,
            "trainable": sorted(name for name, p in named if p.requires_grad),
            "frozen": sorted(name for name, p in named if not p.requires_grad)}


_ARGUMENT_FIELDS = ("output_dir", "eval_strategy", "save_strategy", "load_best_model_at_end",
                    "metric_for_best_model", "greater_is_better", "report_to")


def _training_args(returned, inputs):
    """The early-stopping fields of a returned TrainingArguments (a subclass too); anything else
    (a dict, a SimpleNamespace with the same fields) is reported as what it is, not as arguments."""
    import sys

    module = sys.modules.get("transformers.training_args")  # loaded if the function made one
    cls = getattr(module, "TrainingArguments", None)
    if returned is None or cls is None or not isinstance(returned, cls):
        return {"training_arguments": False, "type": "None" if returned is None else type(returned).__name__[:80]}
    fields = {"training_arguments": True, "type": type(returned).__name__[:80]}
    for field in _ARGUMENT_FIELDS:
        fields[field] = plain(getattr(returned, field, None))
    return fields


OBSERVERS = {
    "value": lambda returned, inputs: plain(returned),
    "model": _model_state,
    "training_args": _training_args,
}


# ---- one call ------------------------------------------------------------------------------------

def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    text = text if len(text) <= 300 else text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def invoke(function, builder: str, args: list, observer: str = "value", reraise: tuple = ()) -> dict:
    """Call `function` on inputs built from `args` and return {"kind": ..., ...} as plain data.

    kind is "value" (with "value"), "raised" (with "error"), "unserializable" (with "error") or
    "not_callable" (with "type"). builder, observer: names in BUILDERS and OBSERVERS. reraise:
    exception types that pass through (the learner-side time limit).
    """
    if not callable(function):
        return {"kind": "not_callable", "type": type(function).__name__}
    try:
        inputs = BUILDERS[builder](args)
    except Exception as exc:  # the course's own builder failed (e.g. transformers missing): not the learner's fault
        return {"kind": "grader_error", "error": _describe(exc)}
    try:
        returned = function(*inputs)
    except reraise:
        raise
    except BaseException as exc:  # learner code may raise anything, SystemExit included
        return {"kind": "raised", "error": _describe(exc)}
    try:
        value = OBSERVERS[observer](returned, inputs)
        encoded = json.dumps(value)
    except Unserializable as exc:
        return {"kind": "unserializable", "error": str(exc)}
    except (TypeError, ValueError, RecursionError) as exc:
        return {"kind": "unserializable", "error": _describe(exc)}
    if len(encoded) > MAX_CHARS:
        return {"kind": "unserializable", "error": f"a value of {len(encoded):,} characters as JSON"}
    return {"kind": "value", "value": value}


def call(namespace: dict, function_name: str, builder: str, args_json: str, observer: str = "value") -> str:
    """JSON of `invoke` on the learner's function `function_name` from `namespace` (the kernel's globals).

    A name the notebook never defined gives {"kind": "missing"}.
    """
    if function_name not in namespace:
        return json.dumps({"kind": "missing"})
    try:
        result = invoke(namespace[function_name], builder, json.loads(args_json), observer)
    except BaseException as exc:  # e.g. the learner broke torch itself: still an answer, never a crash
        result = {"kind": "raised", "error": _describe(exc)}
    return json.dumps(result)


def fingerprints(namespace: dict, names: list) -> str:
    """JSON {name: fingerprint}: changes whenever a name is bound to another object or code."""
    found = {}
    for name in names:
        value = namespace.get(name)
        found[name] = None if value is None else f"{id(value)}:{id(getattr(value, '__code__', None))}"
    return json.dumps(found)
