import math

import datasets
import pytest
import torch
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                          TrainingArguments)

from coursekit.lesson.data import load_task_dataset
from coursekit.lesson.metrics import compute_classification_metrics
from coursekit.lesson.models import checkpoint_for
from coursekit.lesson.precision import precision_args
from coursekit.lesson.training import HistoryCallback, LabelMismatchError, check_labels


@pytest.fixture(scope="module")
def checkpoint():
    return checkpoint_for("sentiment", "offline")


@pytest.fixture(scope="module")
def tokenizer(checkpoint):
    return AutoTokenizer.from_pretrained(checkpoint)


@pytest.fixture(scope="module")
def tiny(tokenizer):
    raw = load_task_dataset("sentiment", source="offline")
    encode = lambda batch: tokenizer(batch["text"], truncation=True, max_length=32)  # noqa: E731
    return {"train": raw["train"].select(range(48)).map(encode, batched=True),
            "validation": raw["validation"].select(range(32)).map(encode, batched=True)}


def model_for(checkpoint, num_labels=2):
    torch.manual_seed(0)
    return AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=num_labels)


def trainer_for(model, tokenizer, train, tmp_path, callbacks=(), eval_dataset=None, **overrides):
    settings = dict(num_train_epochs=2, per_device_train_batch_size=16, learning_rate=1e-4, eval_strategy="epoch",
                    save_strategy="no", logging_steps=1, report_to="none", disable_tqdm=True, seed=0,
                    **precision_args("cpu"))
    settings.update(overrides)
    return Trainer(model=model, args=TrainingArguments(str(tmp_path / "out"), **settings), train_dataset=train,
                   eval_dataset=eval_dataset,
                   data_collator=DataCollatorWithPadding(tokenizer), callbacks=list(callbacks),
                   compute_metrics=compute_classification_metrics)


def test_history_yields_the_per_epoch_table(checkpoint, tokenizer, tiny, tmp_path):
    history = HistoryCallback()
    trainer = trainer_for(model_for(checkpoint), tokenizer, tiny["train"], tmp_path, [history], tiny["validation"])
    trainer.train()
    final = trainer.evaluate()  # evaluating the same weights again adds no row
    trainer.evaluate(tiny["validation"], metric_key_prefix="test")  # another prefix adds no row
    table = history.table()
    assert list(table.columns) == ["Epoch", "Step", "Training Loss", "Validation Loss",
                                   "Accuracy", "F1", "Precision", "Recall", "Macro F1"]
    assert table["Epoch"].tolist() == [1.0, 2.0]
    assert table["Step"].tolist() == [3, 6]
    assert len(history.train_losses) == 6
    first_epoch = [entry["loss"] for entry in history.train_losses[:3]]
    second_epoch = [entry["loss"] for entry in history.train_losses[3:]]
    assert table["Training Loss"][0] == pytest.approx(sum(first_epoch) / 3)
    assert table["Training Loss"][1] == pytest.approx(sum(second_epoch) / 3)  # each epoch its own steps
    # the last row holds the final weights' validation scores, under the model cards' names
    assert table["Validation Loss"][1] == pytest.approx(final["eval_loss"])
    for column, key in [("Accuracy", "accuracy"), ("F1", "f1"), ("Macro F1", "macro_f1")]:
        assert table[column][1] == pytest.approx(final[f"eval_{key}"])
    assert not math.isnan(table["Validation Loss"][0]) and table["Validation Loss"][0] != table["Validation Loss"][1]


@pytest.mark.parametrize("labels,match", [
    (["positive", "negative"] * 24, "integer class ids"),
    ([0, 1, 2] * 16, r"outside 0\.\.1.*Target 2 is out of bounds"),
])
def test_bad_labels_stop_training_before_the_first_step(checkpoint, tokenizer, tiny, tmp_path, labels, match):
    train = tiny["train"].remove_columns("label").add_column("label", labels)
    history = HistoryCallback()
    trainer = trainer_for(model_for(checkpoint), tokenizer, train, tmp_path, [history], eval_strategy="no")
    with pytest.raises(LabelMismatchError, match=match):
        trainer.train()
    assert history.train_losses == []


def test_num_labels_that_does_not_match_the_data(checkpoint, tiny):
    with pytest.raises(LabelMismatchError, match="num_labels=3 but the data has 2 classes.*num_labels=2"):
        check_labels(model_for(checkpoint, num_labels=3), tiny["train"])
    check_labels(model_for(checkpoint, num_labels=2), tiny["train"])


def test_booleans_are_not_class_ids(checkpoint):
    flags = datasets.Dataset.from_dict({"label": [True, False]})
    with pytest.raises(LabelMismatchError, match="integer class ids.*True"):
        check_labels(model_for(checkpoint, num_labels=2), flags)


def test_token_labels_may_use_minus_100(checkpoint):
    names = datasets.ClassLabel(names=["O", "B-PER"])
    rows = datasets.Dataset.from_dict({"labels": [[-100, 0, 1, -100]]},
                                      features=datasets.Features({"labels": datasets.Sequence(names)}))
    check_labels(model_for(checkpoint, num_labels=2), rows)


def one_sgd_step(base, data, collator, tmp_path, batch_size, accumulation, compute_loss_func=None):
    """(weight change, logged training loss) of one optimizer step of Trainer on a copy of `base`: plain SGD,
    constant rate, no clipping or decay, so the change is the rate times the accumulated gradient."""
    import copy

    import torch
    from transformers import PrinterCallback, Trainer, TrainingArguments

    model = copy.deepcopy(base)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=batch_size,
                             gradient_accumulation_steps=accumulation, optim="sgd", learning_rate=1e-2,
                             lr_scheduler_type="constant", max_grad_norm=0, weight_decay=0, save_strategy="no",
                             report_to="none", disable_tqdm=True, use_cpu=True)
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=collator,
                      compute_loss_func=compute_loss_func)
    trainer.remove_callback(PrinterCallback)
    loss = trainer.train().training_loss
    return torch.cat([p.detach().flatten() for p in model.parameters()]) - before, loss


def test_mean_over_labels_makes_trainer_accumulation_equal_one_big_batch(tmp_path):
    import datasets
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification

    from coursekit.lesson.models import checkpoint_for
    from coursekit.lesson.training import mean_over_labels

    checkpoint = checkpoint_for("ner", "offline")
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    sentences = [["Ada", "Lovelace", "wrote", "it", "."], ["Paris", "!"], ["The", "Reuters", "desk", "in", "Bonn"]]
    encoded = tokenizer(sentences, is_split_into_words=True)
    labels = [[-100 if w is None else (i + w) % 9 for w in encoded.word_ids(i)] for i in range(len(sentences))]
    data = datasets.Dataset.from_dict({"input_ids": encoded["input_ids"], "labels": labels})
    torch.manual_seed(0)
    base = AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=9, hidden_dropout_prob=0.0,
                                                           attention_probs_dropout_prob=0.0)
    collator = DataCollatorForTokenClassification(tokenizer)
    (big, _), (accumulated, _) = (one_sgd_step(base, data, collator, tmp_path, 3, 1, mean_over_labels),
                                  one_sgd_step(base, data, collator, tmp_path, 1, 3, mean_over_labels))
    assert big.norm() > 0
    assert ((accumulated - big).norm() / big.norm()).item() < 1e-4


def test_sequence_classifiers_accumulate_k_times_too_much_without_mean_over_labels(tmp_path):
    # Lesson 03 says so of lesson 02's model: BertForSequenceClassification takes the item count and ignores
    # it, so Trainer sums the small batches' means (gradient and logged loss); mean_over_labels divides instead.
    import datasets
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding

    from coursekit.lesson.models import checkpoint_for
    from coursekit.lesson.training import mean_over_labels

    checkpoint = checkpoint_for("sentiment", "offline")
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    texts = ["A triumph.", "Dull and far too long.", "Warm, funny and wise.", "It never finds its feet."]
    data = datasets.Dataset.from_dict({**tokenizer(texts), "labels": [1, 0, 1, 0]})
    torch.manual_seed(0)
    base = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2, hidden_dropout_prob=0.0,
                                                              attention_probs_dropout_prob=0.0)
    collator = DataCollatorWithPadding(tokenizer)
    (big, big_loss), (as_is, as_is_loss) = (one_sgd_step(base, data, collator, tmp_path, 4, 1),
                                            one_sgd_step(base, data, collator, tmp_path, 1, 4))
    fixed, fixed_loss = one_sgd_step(base, data, collator, tmp_path, 1, 4, mean_over_labels)

    def differs(a, b):  # weight changes lose about 1e-3 of their size to float rounding against the weights
        return ((a - b).norm() / b.norm()).item()

    assert big.norm() > 0
    assert differs(as_is / 4, big) < 1e-2 and differs(as_is, big) > 2  # four times; only the size is wrong
    assert as_is_loss == pytest.approx(4 * big_loss, rel=1e-3)
    assert differs(fixed, big) < 1e-2
    assert fixed_loss == pytest.approx(big_loss, rel=1e-3)


# --- check_labels on its own (a stand-in model: only config.num_labels is read), messages word for word ----

import re  # noqa: E402
from types import SimpleNamespace  # noqa: E402


def head(num_labels):
    return SimpleNamespace(config=SimpleNamespace(num_labels=num_labels))


def exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


def test_class_names_that_do_not_match_the_head_message():
    names = datasets.ClassLabel(names=["negative", "neutral", "positive"])
    rows = datasets.Dataset.from_dict({"label": [0, 2]}, features=datasets.Features({"label": names}))
    with pytest.raises(LabelMismatchError, match=exactly(
            "The model's head has num_labels=2 but the data has 3 classes (negative, neutral, positive). Load the "
            "model with num_labels=3, id2label and label2id built from the dataset's label names.")):
        check_labels(head(2), rows)
    check_labels(head(3), rows)


def test_token_label_names_that_do_not_match_the_head():
    tags = datasets.Sequence(datasets.ClassLabel(names=["O", "B-PER", "I-PER"]))
    rows = datasets.Dataset.from_dict({"labels": [[0, 1, 2]]}, features=datasets.Features({"labels": tags}))
    with pytest.raises(LabelMismatchError, match=r"num_labels=2 but the data has 3 classes \(O, B-PER, I-PER\)"):
        check_labels(head(2), rows)  # the names inside the per-token sequence count
    check_labels(head(3), rows)


def test_label_type_message():
    with pytest.raises(LabelMismatchError, match=exactly(
            "Labels must be integer class ids, but column 'label' holds 'positive' (str). Map names to ids first, "
            "e.g. dataset.map(lambda ex: {'label': label2id[ex['label']]}).")):
        check_labels(head(2), datasets.Dataset.from_dict({"label": ["positive", "negative"]}))
    with pytest.raises(LabelMismatchError, match=r"holds 1\.0 \(float\)"):
        check_labels(head(2), datasets.Dataset.from_dict({"label": [1.0, 0.0]}))
    with pytest.raises(LabelMismatchError, match=r"holds True \(bool\)"):  # a bool is an int to Python, not a class id
        check_labels(head(2), datasets.Dataset.from_dict({"label": [True, False]}))


def test_out_of_range_message_lists_the_ids_in_order():
    with pytest.raises(LabelMismatchError, match=exactly(
            "Label ids [-1, 2, 3, 4, 5] are outside 0..1, the range of the model's num_labels=2 head (PyTorch would "
            "fail with 'Target -1 is out of bounds'). Load the model with num_labels equal to the number of "
            "classes in the data.")):
        check_labels(head(2), datasets.Dataset.from_dict({"label": [6, 5, 4, 3, 2, 1, 0, -1, 2]}))
    check_labels(head(2), datasets.Dataset.from_dict({"label": [0, 1, 1]}))  # both ends of the range are fine


def test_labels_column_is_found_under_either_name_and_checked():
    check_labels(head(2), datasets.Dataset.from_dict({"text": ["a"]}))  # no label column: nothing to check
    check_labels(head(2), datasets.Dataset.from_dict({"label": []}))  # nothing to check either
    with pytest.raises(LabelMismatchError, match=r"column 'labels' holds"):
        check_labels(head(2), datasets.Dataset.from_dict({"labels": ["x"], "label": [0]}))  # 'labels' first


def test_token_labels_one_per_token_message():
    rows = datasets.Dataset.from_dict({"input_ids": [[101, 7, 102], [101, 7, 8, 102]],
                                       "labels": [[-100, 1, -100], [-100, 1, 0]]})
    with pytest.raises(LabelMismatchError, match=exactly(
            "Example 1 has 4 tokens but 3 entries in 'labels': token classification needs one label per token. "
            "Align the word tags with word_ids(): the word's tag on its first piece, -100 on special tokens and "
            "later pieces (lesson 03, section 3).")):
        check_labels(head(9), rows)
    with pytest.raises(LabelMismatchError, match=r"outside 0\.\.1"):  # -100 is allowed, 9 is not
        check_labels(head(2), datasets.Dataset.from_dict({"input_ids": [[101, 102]], "labels": [[-100, 9]]}))
    check_labels(head(2), datasets.Dataset.from_dict({"labels": [[-100, 0, 1]]}))  # no input_ids: no count check


# --- HistoryCallback on its own: the hooks Trainer calls, with the state it passes ------------------------


def test_history_rows_from_the_logs_and_evaluations_trainer_reports():
    history, state = HistoryCallback(), SimpleNamespace(global_step=0, epoch=0.0)

    def train_log(step, epoch, loss):
        state.global_step, state.epoch = step, epoch
        history.on_log(None, state, None, logs={"loss": loss, "epoch": epoch, "learning_rate": 1e-4})

    def evaluate(**metrics):
        history.on_evaluate(None, state, None, metrics=metrics)

    train_log(1, 0.5, 1.0)
    train_log(2, 1.0, 0.6)
    evaluate(eval_loss=0.7, eval_accuracy=0.5, eval_runtime=3.0, eval_samples_per_second=9.0,
             eval_steps_per_second=1.0, epoch=1.0)
    evaluate(eval_loss=0.7, eval_accuracy=0.5)  # the same weights again: no row
    evaluate(test_loss=0.1, test_accuracy=1.0)  # another prefix: no row
    history.on_log(None, state, None, logs={"eval_loss": 0.7})  # an evaluation's log is no training loss
    history.on_log(None, state, None, logs=None)
    train_log(3, 1.3333333, 0.2)
    train_log(4, 2.0, 0.5)
    evaluate(eval_loss=0.5, eval_accuracy=0.75, eval_macro_f1=0.6)
    assert history.train_losses == [{"step": 1, "epoch": 0.5, "loss": 1.0}, {"step": 2, "epoch": 1.0, "loss": 0.6},
                                    {"step": 3, "epoch": 1.3333333, "loss": 0.2}, {"step": 4, "epoch": 2.0, "loss": 0.5}]
    assert history.rows == [
        {"epoch": 1.0, "step": 2, "train_loss": pytest.approx(0.8), "validation_loss": 0.7, "accuracy": 0.5},
        {"epoch": 2.0, "step": 4, "train_loss": pytest.approx(0.35), "validation_loss": 0.5, "accuracy": 0.75,
         "macro_f1": 0.6}]
    assert list(history.table().columns) == ["Epoch", "Step", "Training Loss", "Validation Loss", "Accuracy",
                                             "Macro F1"]


def test_history_rounds_the_epoch_and_marks_a_row_without_training_losses():
    history = HistoryCallback()
    history.on_evaluate(None, SimpleNamespace(global_step=0, epoch=None), None, metrics={"eval_loss": 0.69})
    history.on_evaluate(None, SimpleNamespace(global_step=7, epoch=2.3456), None, metrics={"eval_loss": 0.5})
    assert [row["epoch"] for row in history.rows] == [0.0, 2.35]
    assert all(math.isnan(row["train_loss"]) for row in history.rows)
    history.on_evaluate(None, SimpleNamespace(global_step=8, epoch=3.0), None, metrics={})
    history.on_evaluate(None, SimpleNamespace(global_step=8, epoch=3.0), None, metrics=None)
    assert len(history.rows) == 2


def test_history_checks_the_labels_and_the_precision_when_training_starts(monkeypatch):
    from coursekit.lesson import precision

    history = HistoryCallback()
    cpu_fp32 = SimpleNamespace(fp16=False, bf16=False, use_cpu=True)
    loader = SimpleNamespace(dataset=datasets.Dataset.from_dict({"label": [0, 2]}))
    with pytest.raises(LabelMismatchError, match=r"outside 0\.\.1"):
        history.on_train_begin(cpu_fp32, None, None, model=head(2), train_dataloader=loader)
    history.on_train_begin(cpu_fp32, None, None, model=head(3), train_dataloader=loader)
    history.on_train_begin(cpu_fp32, None, None, model=None, train_dataloader=loader)  # nothing to check against
    history.on_train_begin(cpu_fp32, None, None, model=head(2), train_dataloader=SimpleNamespace(dataset=[0, 2]))
    history.on_train_begin(cpu_fp32, None, None, model=head(2), train_dataloader=None)  # no loader: nothing to check
    history.on_train_begin(cpu_fp32, None, None, model=head(2))
    monkeypatch.setattr(precision, "cpu_bf16_support", lambda: (False, "no bf16 instructions"))
    monkeypatch.delenv(precision.ENV_VAR, raising=False)
    with pytest.raises(precision.PrecisionError, match="slower than fp32"):
        history.on_train_begin(SimpleNamespace(fp16=False, bf16=True, use_cpu=True), None, None)


def test_mean_over_labels_sums_the_labelled_positions_and_divides_by_the_step_count():
    from coursekit.lesson.training import mean_over_labels

    logits = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [1.0, 3.0]]])
    labels = torch.tensor([[0, -100, 1]])
    total = (torch.nn.functional.cross_entropy(logits[0, 0:1], labels[0, 0:1], reduction="sum")
             + torch.nn.functional.cross_entropy(logits[0, 2:3], labels[0, 2:3], reduction="sum")).item()
    assert mean_over_labels({"logits": logits}, labels).item() == pytest.approx(total / 2)  # evaluation: own count
    assert mean_over_labels({"logits": logits}, labels, num_items_in_batch=8).item() == pytest.approx(total / 8)
    low = mean_over_labels({"logits": logits.bfloat16()}, labels)
    assert low.dtype == torch.float32  # the loss is summed in fp32 even when the model runs in bf16
    per_text = mean_over_labels({"logits": torch.tensor([[0.0, 2.0], [1.0, 0.0]])}, torch.tensor([1, 0]))
    assert per_text.item() == pytest.approx(torch.nn.functional.cross_entropy(
        torch.tensor([[0.0, 2.0], [1.0, 0.0]]), torch.tensor([1, 0])).item())


def test_mean_over_labels_moves_the_labels_to_the_logits_device():
    # on a GPU Trainer's labels can arrive on another device than the logits; torch's "meta" device stands in
    # for that device here, so the move is tested without one
    from coursekit.lesson.training import mean_over_labels

    logits = torch.zeros(2, 3, device="meta")
    loss = mean_over_labels({"logits": logits}, torch.tensor([0, 2]))
    assert loss.device == logits.device and loss.shape == ()
