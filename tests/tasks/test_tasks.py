"""Each task's checks match its meaning: the wrong answers learners wrote fail with feedback that
names the mistake, the correct alternatives pass, numeric checks state their tolerance, hidden
cases are fresh at every grading. Run in-process through the learner-side check (no kernel)."""

import random
from collections import Counter

import numpy as np
import pytest
import torch

from coursekit.sandbox.probe import invoke
from coursekit.tasks import lesson01, lesson03, lesson06
from coursekit.tasks.check import run_task
from coursekit.tasks.registry import all_tasks, get_task
from coursekit.tasks.verdict import Outcome, collect, judge
from tests.tasks.grading import fails, passes


# ---- lesson 01 ---------------------------------------------------------------------------------------

def relative_change(before, after):
    blocks = {}
    for name, start in before.items():
        block = lesson01.block_of(name)
        if block:
            change, size = blocks.get(block, (0.0, 0.0))
            blocks[block] = (change + float((after[name] - start).pow(2).sum()), size + float(start.pow(2).sum()))
    return {block: torch.tensor(change / size).sqrt() for block, (change, size) in blocks.items()}


def mean_of_tensor_ratios(before, after):
    ratios = {}
    for name, start in before.items():
        block = lesson01.block_of(name)
        if block:
            ratios.setdefault(block, []).append(float((after[name] - start).norm() / start.norm()))
    return {block: sum(values) / len(values) for block, values in ratios.items()}


def test_relative_change_is_one_norm_per_block_not_a_mean_of_tensor_ratios():
    passes("01-relative-change", relative_change)  # values as 0-d tensors: accepted
    result = fails("01-relative-change", mean_of_tensor_ratios, "averaged each tensor's own ratio")
    assert "must match within 1e-05" in result["message"]


def test_count_trainable_counts_numbers_of_trainable_parameters_only():
    passes("01-count-trainable", lambda model: np.int64(sum(p.numel() for p in model.parameters() if p.requires_grad)))
    fails("01-count-trainable", lambda model: sum(p.numel() for p in model.parameters()), "Frozen parameters")
    fails("01-count-trainable", lambda model: sum(1 for p in model.parameters() if p.requires_grad), "numbers inside")


def test_freeze_encoder_must_freeze_the_whole_base_model():
    def freeze_in_place(model):  # returns None but freezes: attempted, and right
        for name, parameter in model.named_parameters():
            parameter.requires_grad = name.startswith("classifier.")

    passes("01-freeze-encoder", freeze_in_place)
    result = fails("01-freeze-encoder", lambda model: model.bert.encoder.requires_grad_(False), "model.base_model")
    assert "still trainable: bert.embeddings.* (5)" in result["message"]
    assert run_task("01-freeze-encoder", lambda model: None)["status"] == "not attempted"


def test_freeze_encoder_cannot_pass_by_taking_the_encoder_out_of_the_model():
    def replace_encoder(model):
        model.bert = torch.nn.Identity()  # only the head's parameters are left, all trainable
        return model

    fails("01-freeze-encoder", replace_encoder, "missing from the model")


def test_bert_parameter_inventory_matches_transformers():
    from transformers import BertConfig, BertForSequenceClassification

    config = dict(lesson01.SMALL, num_hidden_layers=3, num_labels=4)
    model = BertForSequenceClassification(BertConfig(**config))
    assert lesson01.bert_parameters(config) == {name: p.numel() for name, p in model.named_parameters()}


# ---- lesson 02 ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from coursekit.lesson.models import checkpoint_for

    return AutoTokenizer.from_pretrained(checkpoint_for("sentiment"))


def test_tokenize_must_truncate_at_128_not_64_and_not_pad(tokenizer):
    passes("02-tokenize", lambda batch: tokenizer(batch["text"], truncation=True, max_length=128))
    result = fails("02-tokenize", lambda batch: tokenizer(batch["text"], truncation=True, max_length=64),
                   "Truncate at 128 tokens, not 64", "text 3 (98 tokens) came back with 64")
    assert "expected: tokens per text: [9, 4, 98, 128]" in result["message"]  # labelled, not a bare list
    fails("02-tokenize", lambda batch: tokenizer(batch["text"], truncation=True, max_length=128, padding="max_length"),
          "Do not pad here")


def _arguments(output_dir, **kwargs):
    from transformers import TrainingArguments

    return TrainingArguments(output_dir, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True,
                             report_to="none", **kwargs)


@pytest.mark.parametrize("metric", [{"metric_for_best_model": "eval_loss"}, {"metric_for_best_model": "loss"}, {}],
                         ids=["eval_loss", "loss", "unset"])
def test_early_stopping_accepts_the_loss_however_it_is_named(metric):
    passes("02-early-stopping-args", lambda output_dir: _arguments(output_dir, **metric))


def test_early_stopping_rejects_greater_is_better_for_a_loss():
    fails("02-early-stopping-args", lambda d: _arguments(d, metric_for_best_model="eval_loss", greater_is_better=True),
          "greater_is_better=False", "highest loss")
    fails("02-early-stopping-args", lambda d: _arguments("checkpoints"),  # hard-coded: a hidden output_dir catches it
          "passes the visible checks but not a hidden one")


def test_early_stopping_wants_real_training_arguments_not_the_same_fields():
    from types import SimpleNamespace

    fields = dict(eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True,
                  metric_for_best_model="eval_loss", greater_is_better=False, report_to=[])
    fails("02-early-stopping-args", lambda d: dict(fields, output_dir=d), "return TrainingArguments(...), not a dict")
    fails("02-early-stopping-args", lambda d: SimpleNamespace(output_dir=d, **fields),
          "return TrainingArguments(...), not a SimpleNamespace object")


@pytest.mark.parametrize("task_id", sorted(all_tasks()))
def test_a_placeholder_that_returns_none_is_not_attempted_in_every_task(task_id):
    def placeholder(*args):  # an exercise's untouched body: `...`
        return None

    assert run_task(task_id, placeholder)["status"] == "not attempted"


def _metrics(eval_pred, rounding=None):
    predictions = np.argmax(eval_pred.predictions, axis=-1)
    labels = eval_pred.label_ids
    true_pos = np.sum((predictions == 1) & (labels == 1))
    precision = true_pos / max(np.sum(predictions == 1), 1)
    recall = true_pos / max(np.sum(labels == 1), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else np.float32(0)
    scores = {"accuracy": np.mean(predictions == labels), "f1": np.float32(f1), "precision": np.asarray(precision),
              "recall": recall}
    return scores if rounding is None else {key: round(float(value), rounding) for key, value in scores.items()}


def test_compute_metrics_accepts_numpy_values_and_names_its_tolerance():
    passes("02-compute-metrics", _metrics)
    fails("02-compute-metrics", lambda ep: _metrics(ep, 3), "rounded to 3 decimals", "within 1e-06")


# ---- lesson 03 ---------------------------------------------------------------------------------------

def entities_seqeval(tags):
    from coursekit.lesson.conll import entity_spans

    return entity_spans(tags)


def entities_extending_any_type(tags):
    found = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-") or (tag.startswith("I-") and not found):
            found.append([tag[2:], i, i])
        elif tag.startswith("I-"):
            found[-1][2] = i
    return [tuple(entity) for entity in found]


def test_entities_follow_seqeval():
    passes("03-entities", entities_seqeval)
    fails("03-entities", entities_extending_any_type, "starts a new entity of its own type")


def test_entities_reference_equals_seqeval_on_random_tags():
    from seqeval.metrics.sequence_labeling import get_entities

    rng = random.Random(3)
    for _ in range(500):
        tags = get_task("03-entities").hidden(rng).args[0]
        assert lesson03.entities(tags) == [tuple(e) for e in get_entities(list(tags))], tags


def test_accumulation_weights_accept_arrays_and_tensors():
    passes("03-accumulation-weights", lambda batches: np.array([sum(l != -100 for l in b) for b in batches])
           / sum(sum(l != -100 for l in b) for b in batches))
    def as_tensor(batches):
        counts = torch.tensor([sum(label != -100 for label in batch) for batch in batches], dtype=torch.float32)
        return counts / counts.sum()

    passes("03-accumulation-weights", as_tensor)
    fails("03-accumulation-weights", lambda batches: [1 / len(batches)] * len(batches), "weights are not equal")


# ---- lesson 04 ---------------------------------------------------------------------------------------

def test_answer_f1_lower_cases_and_counts_repeated_words():
    from coursekit.lesson.metrics import squad_f1

    passes("04-answer-f1", squad_f1)
    fails("04-answer-f1", lambda p, t: get_task("04-answer-f1").reference(p, t, lower=False), "Lower-case")
    fails("04-answer-f1", lambda p, t: get_task("04-answer-f1").reference(p, t, counts=False), "Count repeated words")


def test_spans_accept_tuples_lists_and_numpy_ints():
    span = get_task("04-answer-token-span").reference
    passes("04-answer-token-span", lambda *args: np.array(span(*args)))
    best = get_task("04-best-span").reference
    passes("04-best-span", lambda *args: list(best(*args)))
    fails("04-best-span", lambda *args: best(*args, ordered=False), "end must not come before")


# ---- lesson 05 ---------------------------------------------------------------------------------------

def test_best_epoch_uses_the_epoch_field_in_any_order():
    passes("05-best-epoch", lambda rows: min(rows, key=lambda r: r["validation_loss"])["epoch"])
    passes("05-best-epoch", lambda rows: rows.sort(key=lambda r: r["validation_loss"]) or rows[0]["epoch"])
    fails("05-best-epoch", lambda rows: int(np.argmin([r["validation_loss"] for r in rows])) + 1,
          "the row's position")


def test_sorting_rows_in_place_does_not_change_the_next_task():
    import copy

    before = copy.deepcopy([case.args for case in get_task("05-overfitting-from").visible])
    passes("05-best-epoch", lambda rows: rows.sort(key=lambda r: r["validation_loss"]) or rows[0]["epoch"])
    passes("05-overfitting-from", get_task("05-overfitting-from").reference)
    assert [case.args for case in get_task("05-overfitting-from").visible] == before


def test_overfitting_from_is_after_the_global_minimum_not_the_first_rise():
    def first_rise(rows):
        for before, row in zip(rows, rows[1:]):
            if row["validation_loss"] > before["validation_loss"]:
                return row["epoch"]
        return None

    fails("05-overfitting-from", first_rise, "blip")


@pytest.mark.parametrize("wrap", [bool, np.bool_, torch.tensor], ids=["bool", "numpy bool", "0-d torch bool"])
def test_is_collapsed_accepts_python_numpy_and_torch_booleans(wrap):
    passes("05-is-collapsed", lambda p: wrap(bool(np.bincount(p).max() / len(p) >= 0.95)))


@pytest.mark.parametrize("answer,phrase", [
    (lambda p: bool(np.bincount(p).max() / len(p) > 0.95), "at least 95%"),
    (lambda p: bool(np.bincount(p).max() / len(p) >= 0.90), "not 90%"),
    (lambda p: bool(max(np.mean(p), 1 - np.mean(p)) >= 0.95), "more than two classes"),
], ids=["strictly above", "0.90", "two classes"])
def test_is_collapsed_wrong_rules_fail_with_their_feedback(answer, phrase):
    fails("05-is-collapsed", answer, phrase)


def test_is_collapsed_wants_a_boolean_not_an_int():
    fails("05-is-collapsed", lambda p: int(np.bincount(p).max() / len(p) >= 0.95), "return True or False, not an int")


# ---- lesson 06 ---------------------------------------------------------------------------------------

def test_class_weights_equal_scikit_learns_balanced_in_any_container():
    from sklearn.utils.class_weight import compute_class_weight

    passes("06-class-weights", lambda s, k: compute_class_weight("balanced", classes=np.arange(k), y=np.array(s["train"])))
    passes("06-class-weights", lambda s, k: torch.tensor(lesson06.class_weights(s, k)))


@pytest.mark.parametrize("answer,phrase", [
    (lesson06._from_split("test"), "weights from the test split"),
    (lesson06._from_split("validation"), "weights from the validation split"),
    (lesson06._from_all_splits, "count every split"),
    (lesson06._inverse_counts, "not normalised"),
    (lesson06._summing_to_one, "sum to 1"),
    (lesson06._mean_one_over_classes, "average 1 over the classes"),
    (lesson06._frequencies, "class frequencies"),
], ids=["test split", "validation split", "all splits", "1/count", "sum 1", "mean 1 over classes", "frequencies"])
def test_class_weights_wrong_answers_fail_with_their_feedback(answer, phrase):
    fails("06-class-weights", answer, phrase)


def test_class_weights_from_the_test_split_fail_a_hidden_case_too():
    # the hidden cases draw the test split with other shares, so the mistake cannot pass by luck
    task = get_task("06-class-weights")
    for case in task.hidden_cases(random.Random(3), 20):
        assert not np.allclose(task.reference(*case.args), lesson06._from_split("test")(*case.args))


def _last_rows_split(labels, share, seed):
    rows_of = {}
    for row, label in enumerate(labels):
        rows_of.setdefault(label, []).append(row)
    train, validation = [], []
    for rows in rows_of.values():
        size = min(len(rows) - 1, max(1, int(share * len(rows) + 0.5)))
        train, validation = train + rows[:-size], validation + rows[-size:]
    return train, validation


def test_any_split_with_every_class_in_its_share_passes():
    passes("06-stratified-split", lesson06.stratified_split)
    passes("06-stratified-split", _last_rows_split)  # other rows, same properties
    passes("06-stratified-split", lambda *args: tuple(np.array(part) for part in _last_rows_split(*args)))


def _sklearn_split(labels, share, seed):
    from sklearn.model_selection import train_test_split

    return train_test_split(list(range(len(labels))), test_size=share, stratify=labels, random_state=seed)


def _random_split(labels, share, seed):
    rows = list(range(len(labels)))
    random.Random(seed).shuffle(rows)
    size = round(share * len(rows))
    return rows[size:], rows[:size]


def _rounded_down_split(labels, share, seed):
    rows_of = {}
    for row, label in enumerate(labels):
        rows_of.setdefault(label, []).append(row)
    train, validation = [], []
    for rows in rows_of.values():
        size = int(share * len(rows))
        train, validation = train + rows[size:], validation + rows[:size]
    return train, validation


@pytest.mark.parametrize("answer,phrase", [
    (_sklearn_split, "A class is missing from one part"),
    (_rounded_down_split, "A class is missing from one part"),
    (lambda *args: lesson06.stratified_split(*args)[::-1], "wrong way round"),
    (lambda labels, share, seed: (list(range(len(labels))), list(range(len(labels)))[:3]), "exactly one part"),
    (lambda labels, share, seed: list(range(len(labels))), "two lists of row numbers"),
], ids=["scikit-learn stratify", "rounded down", "swapped", "rows twice", "one list"])
def test_split_wrong_answers_fail_with_their_feedback(answer, phrase):
    fails("06-stratified-split", answer, phrase)


def test_a_random_split_fails_as_missing_a_class_or_out_of_share():
    result = fails("06-stratified-split", _random_split)
    assert "missing from one part" in result["message"] or "not in its share" in result["message"], result


def test_split_hidden_cases_have_a_class_that_plain_rounding_leaves_out():
    task = get_task("06-stratified-split")
    for case in task.hidden_cases(random.Random(4), 20):
        labels, share, _ = case.args
        assert min(Counter(labels).values()) >= 2
        assert any(share * count < 0.5 for count in Counter(labels).values())


def _sklearn_macro_f1(matrix):
    from sklearn.metrics import f1_score

    matrix = np.asarray(matrix)
    pairs = [(i, j) for i in range(len(matrix)) for j in range(len(matrix)) for _ in range(matrix[i, j])]
    y_true, y_pred = zip(*pairs)
    return f1_score(y_true, y_pred, average="macro", labels=list(range(len(matrix))), zero_division=0)


def test_macro_f1_equals_scikit_learn():
    passes("06-macro-f1", _sklearn_macro_f1)
    passes("06-macro-f1", lambda m: np.float32(lesson06.macro_f1_from_confusion(m.tolist())))


@pytest.mark.parametrize("answer,phrase", [
    (lesson06._micro, "average='micro'"), (lesson06._weighted, "average='weighted'"),
    (lesson06._mean_recall, "mean recall"), (lesson06._mean_precision, "mean precision"),
    (lesson06._f1_of_means, "F1 of the mean precision and mean recall"),
    (lesson06._predicted_classes_only, "never predicts still counts"),
], ids=["micro", "weighted", "mean recall", "mean precision", "F1 of means", "predicted classes only"])
def test_macro_f1_wrong_answers_fail_with_their_feedback(answer, phrase):
    fails("06-macro-f1", answer, phrase)


# ---- every task ----------------------------------------------------------------------------------------

class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("task_id", sorted(all_tasks()))
def test_an_always_equal_object_fails_every_task(task_id):
    result = run_task(task_id, lambda *args: AlwaysEqual())
    assert result["status"] == "failed", result
    if get_task(task_id).observer == "value":  # freeze_encoder is judged on the model, not on what it returns
        assert "returned an AlwaysEqual object" in result["message"], result
    elif get_task(task_id).observer == "training_args":
        assert "not an AlwaysEqual object" in result["message"], result


@pytest.mark.parametrize("task_id", sorted(all_tasks()))
def test_hidden_cases_are_fresh_for_each_seed_and_a_table_of_them_fails(task_id):
    task = get_task(task_id)
    first, second = task.hidden_cases(random.Random(1)), task.hidden_cases(random.Random(2))
    assert [c.args for c in first] != [c.args for c in second]
    table = {repr(c.args): task.reference(*c.args) for c in list(task.visible) + first}
    cases = [(c, False) for c in task.visible] + [(c, True) for c in second]

    def from_table(case, hidden):
        if repr(case.args) in table:
            return {"kind": "value", "value": table[repr(case.args)]}
        return {"kind": "raised", "error": "KeyError"}

    if task.observer != "value":
        pytest.skip("a table cannot even be looked up from a model or TrainingArguments")
    result = judge(task, collect(task, cases, from_table))
    assert result["status"] != "passed"
    assert result["message"].startswith("Your answer passes the visible checks but not a hidden one.")
    assert "input:" not in result["message"] and "expected:" not in result["message"]


@pytest.mark.parametrize("task_id", sorted(all_tasks()))
def test_no_constant_answer_passes_even_from_a_forged_observer(task_id):
    # a notebook can patch the probe so that it reports any value it likes (finding 5): every task's
    # expected value must vary over its cases, so no fixed report passes, whatever the function did
    task = get_task(task_id)
    cases = [(c, False) for c in task.visible] + [(c, True) for c in task.hidden_cases(random.Random(5))]
    constants = []
    for case, _ in cases:
        value = task.reference(*case.args)
        if value not in constants:
            constants.append(value)
    for value in constants:
        forged = dict(value, training_arguments=True) if task.observer == "training_args" else value
        result = judge(task, collect(task, cases, lambda case, hidden: {"kind": "value", "value": forged}))
        assert result["status"] != "passed", (task_id, value)


def test_every_case_is_called_in_the_same_order_whatever_the_answers():
    # an evaluation that stopped at the first wrong answer told the kernel which guess was wrong (finding 6)
    task = get_task("05-best-epoch")
    cases = [(c, False) for c in task.visible] + [(c, True) for c in task.hidden_cases(random.Random(6))]
    answers = [lambda rows: task.reference(rows), lambda rows: 0.0, lambda rows: 1 / 0, lambda rows: object()]
    for answer in answers:
        called = []

        def run(case, hidden):
            called.append(case)
            return invoke(answer, "args", list(case.args))

        collect(task, cases, run)
        assert called == [case for case, _ in cases]


def test_each_evaluation_draws_fresh_hidden_cases_reproducibly():
    from pathlib import Path

    from coursekit.grader.runner import Limits, NotebookRun
    from coursekit.grader.submission import Submission
    from coursekit.tasks.registry import tasks_for

    def hidden_draws(seed):
        run = NotebookRun(Submission(Path("x.ipynb"), "05", tasks_for("05"), []), Limits(), seed, "none")
        task = get_task("05-is-collapsed")
        return [[case.args for case, hidden in run.cases(task) if hidden] for _ in range(3)]

    first = hidden_draws(11)
    assert len({repr(draw) for draw in first}) == 3 and len(first[0]) == get_task("05-is-collapsed").hidden_count == 12
    assert hidden_draws(11) == first  # --seed re-grades the same way
    assert hidden_draws(12) != first


def test_a_hidden_failure_repeats_nothing_the_code_produced():
    # an exception's class name or message, or a type name, can carry the hidden input (finding 11)
    import json

    visible = {json.dumps(case.args[0]) for case in get_task("05-best-epoch").visible}

    def leaky(rows):
        if json.dumps(rows) in visible:
            return min(rows, key=lambda row: row["validation_loss"])["epoch"]
        raise type("HIDDEN_" + json.dumps(rows).replace(":", ";"), (Exception,), {})("SECRET " + json.dumps(rows))

    result = fails("05-best-epoch", leaky, "raised an error on a hidden input")
    assert "HIDDEN" not in result["message"] and "SECRET" not in result["message"]
    task = get_task("05-best-epoch")
    hidden = task.hidden_cases(random.Random(1))[0]
    for leak in ({"kind": "unserializable", "error": "a HIDDEN_X object"}, {"kind": "not_callable", "type": "HIDDEN"},
                 {"kind": "grader_error", "error": "HIDDEN"}):
        outcomes = [Outcome(case, False, {"kind": "value", "value": task.reference(*case.args)})
                    for case in task.visible] + [Outcome(hidden, True, leak)]
        assert "HIDDEN" not in judge(task, outcomes)["message"], leak


def test_the_fuller_hint_comes_only_after_repeated_failures():
    from coursekit.tasks import check as learner

    learner.FAILED_ATTEMPTS.pop("05-best-epoch", None)
    task = get_task("05-best-epoch")
    hints = [run_task("05-best-epoch", lambda rows: rows[0]["epoch"])["hint"] for _ in range(3)]
    assert hints[0] == hints[1] == task.nudge
    assert hints[2] == f"{task.nudge} {task.hint}"
    assert all("min(" not in hint and "def " not in hint for hint in hints)


def test_probe_turns_returned_values_into_plain_data():
    rows = [{"epoch": 1.0, "validation_loss": 0.5}]
    assert invoke(lambda r: np.float32(1.5), "args", [rows]) == {"kind": "value", "value": 1.5}
    assert invoke(lambda r: torch.tensor(True), "args", [rows]) == {"kind": "value", "value": True}
    assert invoke(lambda r: (x for x in r), "args", [rows])["kind"] == "unserializable"
    assert invoke(lambda r: {1: 2}, "args", [rows])["kind"] == "unserializable"
    assert invoke(lambda r: 1 / 0, "args", [rows]) == {"kind": "raised", "error": "ZeroDivisionError: division by zero"}
    assert invoke("best_epoch", "args", [rows]) == {"kind": "not_callable", "type": "str"}


def test_check_prints_labelled_feedback_and_never_crashes(capsys, monkeypatch):
    from coursekit.tasks import check as learner

    learner.check("05-best-epoch", lambda rows: rows[0]["epoch"])
    printed = capsys.readouterr().out
    assert printed.startswith("[NOT YET] The epoch early stopping would keep\n")
    assert "  expected: 2.0\n  got:      1.0" in printed and "\nhint: " in printed

    def forever(rows):
        while True:
            try:
                pass
            except Exception:
                pass

    monkeypatch.setattr(learner, "CHECK_TIMEOUT_S", 1)
    assert run_task("05-best-epoch", forever)["status"] == "timed out"
    assert run_task("05-best-epoch", lambda rows: (row for row in rows))["message"].count("generator") == 1
    assert run_task("05-best-epoch", lambda rows: 1 / 0)["status"] == "error"
    assert "placeholder" in run_task("03-entities", lambda tags: None)["message"]


def test_unknown_task_names_the_tasks():
    from coursekit.tasks.registry import UnknownTaskError

    with pytest.raises(UnknownTaskError, match="05-best-epoch"):
        run_task("05-best", None)
