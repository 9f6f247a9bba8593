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


def test_mean_over_labels_makes_trainer_accumulation_equal_one_big_batch(tmp_path):
    import copy

    import datasets
    import torch
    from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification,
                              PrinterCallback, Trainer, TrainingArguments)

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

    def update(batch_size, accumulation):
        model = copy.deepcopy(base)
        before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
        args = TrainingArguments(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=batch_size,
                                 gradient_accumulation_steps=accumulation, optim="sgd", learning_rate=1e-2,
                                 lr_scheduler_type="constant", max_grad_norm=0, weight_decay=0, save_strategy="no",
                                 report_to="none", disable_tqdm=True, use_cpu=True)
        trainer = Trainer(model=model, args=args, train_dataset=data,
                          data_collator=DataCollatorForTokenClassification(tokenizer), compute_loss_func=mean_over_labels)
        trainer.remove_callback(PrinterCallback)
        trainer.train()
        return torch.cat([p.detach().flatten() for p in model.parameters()]) - before

    big, accumulated = update(3, 1), update(1, 3)
    assert big.norm() > 0
    assert ((accumulated - big).norm() / big.norm()).item() < 1e-4
