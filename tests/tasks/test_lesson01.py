"""Lesson 01's tasks: the references against hand-worked answers and a real tiny BERT from the same
config (parameter names and sizes, which parameters a spec freezes, per-block norms in torch), the
comparison of which parameters still train as a table of what the probe reports and what the
learner is told, and the known wrong answers as a learner would write them."""

import math
import random

import pytest
import torch

from coursekit.tasks import lesson01
from coursekit.tasks.compare import Mismatch
from coursekit.tasks.lesson01 import (SMALL, block_of, compare_trainable, count_trainable, freeze_encoder,
                                      relative_change)
from coursekit.tasks.registry import get_task
from tests.tasks.grading import fails, passes


def tiny_bert(config):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    return BertForSequenceClassification(BertConfig(**config))


# ---- the parameters of a tiny BERT ---------------------------------------------------------------------

CONFIGS = {
    "small": SMALL,
    "three token types, one layer, five labels": dict(SMALL, type_vocab_size=3, num_hidden_layers=1, num_labels=5),
    "no type_vocab_size given (BertConfig's default, 2)": {k: v for k, v in SMALL.items() if k != "type_vocab_size"},
    "wider intermediate, 4 layers": dict(SMALL, hidden_size=8, intermediate_size=40, num_hidden_layers=4,
                                         max_position_embeddings=32, vocab_size=37),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_bert_parameters_are_the_names_and_sizes_of_transformers_model(config):
    model = tiny_bert(config)
    assert lesson01.bert_parameters(config) == {name: p.numel() for name, p in model.named_parameters()}


@pytest.mark.parametrize("frozen", [[], ["bert.embeddings"], ["bert.embeddings", "bert.encoder.layer.0"],
                                    ["bert.encoder.layer.1", "bert.pooler", "classifier"], None],
                         ids=["nothing", "embeddings", "embeddings and layer 0", "layer 1, pooler, head",
                              "no frozen key"])
def test_count_trainable_counts_the_numbers_that_still_require_grad(frozen):
    model = tiny_bert(SMALL)
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(not any(name.startswith(prefix + ".") for prefix in frozen or []))
    spec = {"config": SMALL, "seed": 0} | ({} if frozen is None else {"frozen": frozen})
    assert count_trainable(spec) == sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_count_trainable_by_hand():
    # hidden 16, intermediate 32: embeddings (100 + 64 + 2) * 16 + 2 * 16 = 2688; a layer 4 * (256 + 16)
    # + 2 * 16 + (512 + 32) + (512 + 16) + 2 * 16 = 2224; pooler 272; head 2 * 16 + 2 = 34
    assert count_trainable({"config": SMALL, "frozen": []}) == 2688 + 2 * 2224 + 272 + 34
    assert count_trainable({"config": SMALL, "frozen": ["bert.embeddings", "bert.encoder.layer.0"]}) == 2224 + 272 + 34
    # a prefix freezes a module, not every name that starts with its text
    assert count_trainable({"config": dict(SMALL, num_hidden_layers=11),
                            "frozen": ["bert.encoder.layer.1"]}) == 2688 + 10 * 2224 + 272 + 34


def test_freeze_encoder_leaves_only_the_head_trainable_and_lists_every_other_parameter_frozen():
    config = dict(SMALL, num_hidden_layers=3)
    names = [name for name, _ in tiny_bert(config).named_parameters()]
    assert freeze_encoder({"config": config, "frozen": []}) == {
        "trainable": ["classifier.bias", "classifier.weight"],
        "frozen": sorted(name for name in names if not name.startswith("classifier."))}


BLOCKS = [("bert.embeddings.word_embeddings.weight", "embeddings"),
          ("bert.embeddings.LayerNorm.bias", "embeddings"),
          ("bert.encoder.layer.0.attention.self.query.weight", "layer 1"),
          ("bert.encoder.layer.2.output.LayerNorm.bias", "layer 3"),
          ("bert.encoder.layer.10.intermediate.dense.weight", "layer 11"),
          ("bert.pooler.dense.weight", None),
          ("bert.pooler.dense.bias", None),
          ("classifier.weight", "head"),
          ("classifier.bias", "head")]


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_block_of_names_layers_from_one_and_leaves_the_pooler_out(name, block):
    assert block_of(name) == block


def test_every_parameter_of_a_model_but_the_pooler_has_a_block():
    names = [name for name, _ in tiny_bert(dict(SMALL, num_hidden_layers=3)).named_parameters()]
    assert {name for name in names if block_of(name) is None} == {"bert.pooler.dense.weight", "bert.pooler.dense.bias"}
    assert sorted({block_of(name) for name in names} - {None}) == ["embeddings", "head", "layer 1", "layer 2",
                                                                   "layer 3"]


# ---- relative weight change per block ----------------------------------------------------------------

# name: (before, after), each tensor flat
HAND = {"bert.embeddings.word_embeddings.weight": ([3.0, 4.0], [3.0, 4.0]),   # change 0, before 25
        "bert.embeddings.LayerNorm.weight": ([1.0], [2.0]),                     # change 1, before 1
        "bert.encoder.layer.0.attention.self.query.weight": ([1.0, 0.0], [0.0, 1.0]),  # change 2, before 1
        "bert.encoder.layer.0.attention.self.query.bias": ([2.0, 2.0], [2.0, 2.0]),    # change 0, before 8
        "bert.encoder.layer.1.output.dense.weight": ([3.0, 4.0], [0.0, 0.0]),   # change 25, before 25
        "bert.pooler.dense.weight": ([1.0], [5.0]),                             # no block
        "classifier.weight": ([3.0, 0.0], [0.0, 6.0]),                          # change 45, before 9
        "classifier.bias": ([1.0], [1.0])}                                      # change 0, before 1

VARIANTS = {
    "one norm per block": ({}, {"embeddings": math.sqrt(1 / 26), "layer 1": math.sqrt(2 / 9), "layer 2": 1.0,
                                "head": math.sqrt(45 / 10)}),
    "mean of the tensors' ratios": ({"per_tensor": True},
                                    {"embeddings": (0 + 1) / 2, "layer 1": (math.sqrt(2) + 0) / 2, "layer 2": 1.0,
                                     "head": (math.sqrt(5) + 0) / 2}),
    # (‖after‖ - ‖before‖)²: word 0, LayerNorm 1; query 0, bias 0; dense 25; classifier (6 - 3)² = 9, bias 0
    "difference of the norms": ({"norm_difference": True},
                                {"embeddings": math.sqrt(1 / 26), "layer 1": 0.0, "layer 2": 1.0,
                                 "head": math.sqrt(9 / 10)}),
    "layers from zero": ({"name_block": lesson01._layers_from_zero},
                         {"embeddings": math.sqrt(1 / 26), "layer 0": math.sqrt(2 / 9), "layer 1": 1.0,
                          "head": math.sqrt(45 / 10)}),
    "the pooler a block": ({"name_block": lesson01._pooler_too},
                           {"embeddings": math.sqrt(1 / 26), "layer 1": math.sqrt(2 / 9), "layer 2": 1.0,
                            "pooler": 4.0, "head": math.sqrt(45 / 10)}),
}


def state_dicts(tensors):
    before = {name: [[len(start)], start] for name, (start, _) in tensors.items()}
    after = {name: [[len(end)], end] for name, (_, end) in tensors.items()}
    return before, after


@pytest.mark.parametrize(("keywords", "expected"), VARIANTS.values(), ids=VARIANTS.keys())
def test_relative_change_and_its_wrong_variants_by_hand(keywords, expected):
    got = relative_change(*state_dicts(HAND), **keywords)
    assert got.keys() == expected.keys()
    assert got == pytest.approx(expected, abs=1e-12)


def block_by_rule(name):
    """The block of a parameter name, written out again: embeddings, layer N from 1, head; else none."""
    parts = name.split(".")
    if parts[:2] == ["bert", "embeddings"]:
        return "embeddings"
    if parts[:3] == ["bert", "encoder", "layer"]:
        return "layer " + str(int(parts[3]) + 1)
    return "head" if parts[0] == "classifier" else None


def test_relative_change_is_torchs_norm_of_each_blocks_tensors_together():
    rng = random.Random(1)
    for _ in range(30):
        before, after = lesson01._hidden_change(rng).args
        blocks = {}
        for name, (shape, start) in before.items():
            block = block_by_rule(name)
            if block:
                start, end = torch.tensor(start, dtype=torch.float64), torch.tensor(after[name][1], dtype=torch.float64)
                blocks.setdefault(block, []).append((start, end))
        expected = {block: float(torch.cat([e - s for s, e in pairs]).norm() / torch.cat([s for s, _ in pairs]).norm())
                    for block, pairs in blocks.items()}
        assert relative_change(before, after) == pytest.approx(expected, rel=1e-12, abs=1e-12)


# ---- comparing which parameters still train ----------------------------------------------------------

SPEC = {"config": SMALL, "seed": 0, "frozen": []}
EXPECTED = freeze_encoder(SPEC)
NAMES = sorted(name for name, _ in tiny_bert(SMALL).named_parameters())


def _of(*prefixes):
    return [name for name in NAMES if name.startswith(prefixes)]


EMB, L0, L1, POOL, HEAD = (_of("bert.embeddings."), _of("bert.encoder.layer.0."), _of("bert.encoder.layer.1."),
                           _of("bert.pooler."), _of("classifier."))
BASE = EMB + L0 + L1 + POOL
BASE_GROUPS = "bert.embeddings.* (5), bert.encoder.layer.0.* (16), bert.encoder.layer.1.* (16), bert.pooler.* (2)"
KEEP = "; keep the model's modules and set requires_grad to False on their parameters"


def state(trainable, frozen, returned_none=True):
    """What the probe reports of the model after the learner's call."""
    return {"returned_none": returned_none, "trainable": sorted(trainable), "frozen": sorted(frozen)}


TRAINABLE = {
    "the base model frozen: right": (state(HEAD, BASE), None),
    "returned the model, frozen right: right": (state(HEAD, BASE, returned_none=False), None),
    "nothing frozen": (state(NAMES, []), Mismatch(
        "trainable: classifier.* (2)", f"trainable: {BASE_GROUPS}, classifier.* (2)",
        f"still trainable: {BASE_GROUPS}")),
    "everything frozen": (state([], NAMES), Mismatch(
        "trainable: classifier.* (2)", "trainable: nothing", "frozen but should train: classifier.* (2)")),
    "only the encoder's layers frozen": (state(EMB + POOL + HEAD, L0 + L1), Mismatch(
        "trainable: classifier.* (2)", "trainable: bert.embeddings.* (5), bert.pooler.* (2), classifier.* (2)",
        "still trainable: bert.embeddings.* (5), bert.pooler.* (2)")),
    "the pooler trains, the head does not": (state(POOL, EMB + L0 + L1 + HEAD), Mismatch(
        "trainable: classifier.* (2)", "trainable: bert.pooler.* (2)",
        "still trainable: bert.pooler.* (2); frozen but should train: classifier.* (2)")),
    "half the head frozen": (state(["classifier.weight"], BASE + ["classifier.bias"]), Mismatch(
        "trainable: classifier.* (2)", "trainable: classifier.* (1)", "frozen but should train: classifier.* (1)")),
    "the base model taken out of the model": (state(HEAD, []), Mismatch(
        f"frozen: {BASE_GROUPS}", "frozen: nothing", f"missing from the model: {BASE_GROUPS}{KEEP}")),
    "the pooler taken out": (state(HEAD, EMB + L0 + L1), Mismatch(
        f"frozen: {BASE_GROUPS}", "frozen: bert.embeddings.* (5), bert.encoder.layer.0.* (16), "
        "bert.encoder.layer.1.* (16)", f"missing from the model: bert.pooler.* (2){KEEP}")),
    "a frozen module added, none taken out": (state(HEAD, BASE + ["extra.weight"]), Mismatch(
        f"frozen: {BASE_GROUPS}", f"frozen: {BASE_GROUPS}, extra.* (1)", "")),
}


@pytest.mark.parametrize(("got", "mismatch"), TRAINABLE.values(), ids=TRAINABLE.keys())
def test_compare_trainable_names_the_groups_that_are_wrong(got, mismatch):
    assert compare_trainable(EXPECTED, got) == mismatch


NOT_A_STATE = {"None": None, "a list of names": HEAD, "no frozen list": {"trainable": HEAD},
               "no trainable list": {"frozen": POOL}, "trainable as one string": {"trainable": "classifier.weight",
                                                                                   "frozen": POOL}}


@pytest.mark.parametrize("got", NOT_A_STATE.values(), ids=NOT_A_STATE.keys())
def test_compare_trainable_takes_no_shape_of_the_answer_for_granted(got):
    assert compare_trainable(EXPECTED, got) == Mismatch("only the head's parameters trainable", repr(got))


def test_long_names_are_cut_to_200_characters_in_the_feedback():
    long, longer = "x" * 250, "y" * 250
    assert compare_trainable(EXPECTED, state(HEAD + [long], BASE)) == Mismatch(
        "trainable: classifier.* (2)", f"trainable: classifier.* (2), {'x' * 200}.* (1)",  # the cut's "..." splits
        f"still trainable: {'x' * 200}.* (1)")
    assert compare_trainable(EXPECTED, state(HEAD, BASE + [longer])) == Mismatch(
        f"frozen: {BASE_GROUPS}", f"frozen: {BASE_GROUPS}, {'y' * 200}.* (1)", "")


@pytest.mark.parametrize(("layers", "more"), [(10, ""), (11, ", ... (1 more)"), (12, ", ... (2 more)")])
def test_at_most_twelve_groups_are_named(layers, more):
    config = dict(SMALL, num_hidden_layers=layers)
    names = sorted(name for name, _ in tiny_bert(config).named_parameters())
    groups = (["bert.embeddings.* (5)"] + [f"{layer}.* (16)" for layer in sorted(f"bert.encoder.layer.{n}"
                                                                                  for n in range(layers))]
              + ["bert.pooler.* (2)"])
    mismatch = compare_trainable(freeze_encoder({"config": config, "frozen": []}), state(names, []))
    assert mismatch.detail == "still trainable: " + ", ".join(groups[:12]) + more


# ---- the known wrong answers, as a learner writes them -------------------------------------------------

def test_freezing_only_the_encoder_is_told_about_base_model():
    result = fails("01-freeze-encoder", lambda model: model.bert.encoder.requires_grad_(False), "model.base_model",
                   "still trainable: bert.embeddings.* (5), bert.pooler.* (2)")
    assert result["status"] == "failed"


def test_freezing_everything_is_told_the_head_must_train():
    result = fails("01-freeze-encoder", lambda model: model.requires_grad_(False),
                   "The head (model.classifier) must keep")
    assert result["status"] == "failed"


def test_freezing_through_base_model_passes():
    passes("01-freeze-encoder", lambda model: model.base_model.requires_grad_(False))


def _blocks(before, after, block_name, ratio):
    values = {}
    for name, start in before.items():
        block = block_name(name)
        if block:
            values.setdefault(block, []).append((start, after[name]))
    return {block: ratio(pairs) for block, pairs in values.items()}


def _one_norm(pairs):
    return float(torch.cat([(a - b).flatten() for b, a in pairs]).norm() / torch.cat([b.flatten() for b, _ in
                                                                                        pairs]).norm())


def _from_zero(name):
    return f"layer {name.split('.')[3]}" if name.startswith("bert.encoder.layer.") else block_by_rule(name)


def _with_pooler(name):
    return "pooler" if name.startswith("bert.pooler.") else block_by_rule(name)


WRONG_CHANGE = {
    "difference of the norms": (
        lambda b, a: _blocks(b, a, block_by_rule, lambda pairs: math.sqrt(
            sum(float(x.norm() - y.norm()) ** 2 for y, x in pairs) / sum(float(y.norm()) ** 2 for y, _ in pairs))),
        "not the difference of the norms"),
    "layers from zero": (lambda b, a: _blocks(b, a, _from_zero, _one_norm), "Layers are numbered from 1"),
    "the pooler as a block": (lambda b, a: _blocks(b, a, _with_pooler, _one_norm), "The pooler belongs to no block"),
}


@pytest.mark.parametrize(("answer", "message"), WRONG_CHANGE.values(), ids=WRONG_CHANGE.keys())
def test_wrong_relative_changes_get_their_own_feedback(answer, message):
    assert fails("01-relative-change", answer, message)["status"] == "failed"


def test_right_relative_change_passes():
    passes("01-relative-change", lambda b, a: _blocks(b, a, block_by_rule, _one_norm))


def test_the_task_grades_with_these_references():
    assert get_task("01-freeze-encoder").compare is compare_trainable
    assert get_task("01-relative-change").reference is relative_change
