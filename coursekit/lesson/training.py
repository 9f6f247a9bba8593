"""Thin helpers around transformers' Trainer: a per-epoch history and an early label check."""

from __future__ import annotations

import math

from transformers import TrainerCallback

from ..errors import CourseError
from .modelcard import column_title

# Trainer's bookkeeping keys, not results worth a column
_SKIPPED_KEYS = {"eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "epoch"}


class LabelMismatchError(CourseError, ValueError):
    """Labels that the model cannot be trained on (wrong type, out of range, wrong count)."""


def _label_column(dataset) -> str | None:
    for name in ("labels", "label"):
        if name in dataset.column_names:
            return name
    return None


def check_labels(model, dataset) -> None:
    """Raise LabelMismatchError unless `dataset`'s labels fit `model`'s classification head.

    model: a transformers model with `config.num_labels`. dataset: a datasets.Dataset with a
    `label` or `labels` column of integer class ids (token labels may use -100 to mean "ignore").
    """
    column = _label_column(dataset)
    if column is None or len(dataset) == 0:
        return
    num_labels = model.config.num_labels
    feature = dataset.features[column]
    while hasattr(feature, "feature"):  # a Sequence/List of per-token labels
        feature = feature.feature
    names = getattr(feature, "names", None)
    if names is not None and len(names) != num_labels:
        raise LabelMismatchError(
            f"The model's head has num_labels={num_labels} but the data has {len(names)} classes "
            f"({', '.join(names)}). Load the model with num_labels={len(names)}, id2label and "
            f"label2id built from the dataset's label names."
        )
    values = list(dataset[column])  # datasets 5 returns a lazy Column
    if values and isinstance(values[0], list) and "input_ids" in dataset.column_names:
        _check_one_label_per_token(values, list(dataset["input_ids"]), column)
    flat = [v for row in values for v in row] if values and isinstance(values[0], list) else values
    bad_type = next((v for v in flat if not isinstance(v, int) or isinstance(v, bool)), None)
    if bad_type is not None:
        raise LabelMismatchError(
            f"Labels must be integer class ids, but column {column!r} holds {bad_type!r} "
            f"({type(bad_type).__name__}). Map names to ids first, e.g. "
            f"dataset.map(lambda ex: {{'{column}': label2id[ex['{column}']]}})."
        )
    out_of_range = sorted({v for v in flat if v != -100 and not 0 <= v < num_labels})
    if out_of_range:
        raise LabelMismatchError(
            f"Label ids {out_of_range[:5]} are outside 0..{num_labels - 1}, the range of the model's "
            f"num_labels={num_labels} head (PyTorch would fail with 'Target {out_of_range[0]} is out of "
            f"bounds'). Load the model with num_labels equal to the number of classes in the data."
        )


def _check_one_label_per_token(labels, input_ids, column: str) -> None:
    for row, (row_labels, row_ids) in enumerate(zip(labels, input_ids)):
        if len(row_labels) != len(row_ids):
            raise LabelMismatchError(
                f"Example {row} has {len(row_ids)} tokens but {len(row_labels)} entries in {column!r}: token "
                f"classification needs one label per token. Align the word tags with word_ids(): the word's tag "
                f"on its first piece, -100 on special tokens and later pieces (lesson 03, section 3)."
            )


def mean_over_labels(outputs, labels, num_items_in_batch=None):
    """Trainer `compute_loss_func`: cross-entropy summed over labelled positions, divided by the labels in
    the whole optimizer step (all accumulation steps and processes), so accumulation and DDP equal one big batch.

    transformers 5 passes that count (`num_items_in_batch`) to models whose forward takes **kwargs and
    then skips its own averaging; BERT's heads take **kwargs but ignore the count, so without this the
    gradient is the sum of per-batch means (16x too large at 16 accumulation steps, measured in lesson 03).
    outputs: the model's outputs (with logits). labels: class ids, -100 where ignored (per text or per token).
    num_items_in_batch: labelled positions in the whole step; None (evaluation): this batch's own count.
    """
    import torch.nn.functional as F

    logits = outputs["logits"]
    labels = labels.to(logits.device)
    total = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), labels.reshape(-1),
                            ignore_index=-100, reduction="sum")
    count = num_items_in_batch if num_items_in_batch is not None else (labels != -100).sum()
    return total / count


class HistoryCallback(TrainerCallback):
    """Records the training loss at each log and one row per evaluation: the per-epoch table.

    Pass it to Trainer(callbacks=[history]); then `history.table()` is the table the model cards
    print (Epoch, Step, Training Loss, Validation Loss, one column per metric) and
    `history.train_losses` the logged training losses for learning curves. It also checks, when
    training starts, that the training labels fit the model's head (see `check_labels`) and that
    the precision suits the hardware (see `check_precision`), so a mistake fails in seconds.
    """

    def __init__(self) -> None:
        self.train_losses: list[dict] = []  # {"step", "epoch", "loss"} at each logging step
        self.rows: list[dict] = []  # one per evaluation on the validation set
        self._losses_since_eval: list[float] = []

    def on_train_begin(self, args, state, control, model=None, train_dataloader=None, **kwargs):
        from .precision import check_precision

        check_precision(args)
        dataset = getattr(train_dataloader, "dataset", None)
        if model is not None and hasattr(dataset, "column_names") and hasattr(model.config, "num_labels"):
            check_labels(model, dataset)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.train_losses.append({"step": state.global_step, "epoch": logs.get("epoch"), "loss": logs["loss"]})
            self._losses_since_eval.append(logs["loss"])

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if not metrics or "eval_loss" not in metrics:
            return  # an evaluation under another prefix, e.g. metric_key_prefix="test"
        if self.rows and self.rows[-1]["step"] == state.global_step:
            return  # the same weights evaluated again after training
        losses = self._losses_since_eval
        row = {
            "epoch": round(state.epoch or 0.0, 2),
            "step": state.global_step,
            "train_loss": sum(losses) / len(losses) if losses else math.nan,
            "validation_loss": metrics["eval_loss"],
        }
        row.update({key[len("eval_"):]: value for key, value in metrics.items()
                    if key.startswith("eval_") and key not in _SKIPPED_KEYS and key != "eval_loss"})
        self.rows.append(row)
        self._losses_since_eval = []

    def table(self):
        """The per-epoch results as a pandas DataFrame with the model cards' column names."""
        import pandas as pd

        return pd.DataFrame(self.rows).rename(columns=column_title)


def training_speed(model, collator, examples: list[dict], batch_size: int = 16, repeats: int = 2) -> float:
    """Examples per second of real training steps (forward, backward, AdamW) on `examples`.

    model: a model to train (its weights change). collator: builds a batch from a list of
    examples, e.g. DataCollatorWithPadding. examples: dicts with input_ids and label.
    batch_size: examples per step. repeats: passes over `examples`; a first warm-up batch is not timed.
    """
    import time

    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    batches = [collator(examples[i:i + batch_size]) for i in range(0, len(examples), batch_size)]
    model.train()

    def step(batch):
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    step(batches[0])
    start = time.perf_counter()
    for _ in range(repeats):
        for batch in batches:
            step(batch)
    return repeats * len(examples) / (time.perf_counter() - start)
