"""Writes a model card (README.md) next to a saved model, in the Hugging Face card format."""

from __future__ import annotations

import math
from pathlib import Path

# (TrainingArguments attribute, label in the card)
_HYPERPARAMETERS = [
    ("learning_rate", "learning_rate"),
    ("per_device_train_batch_size", "train_batch_size"),
    ("per_device_eval_batch_size", "eval_batch_size"),
    ("gradient_accumulation_steps", "gradient_accumulation_steps"),
    ("seed", "seed"),
    ("optim", "optimizer"),
    ("weight_decay", "weight_decay"),
    ("lr_scheduler_type", "lr_scheduler_type"),
    ("warmup_steps", "lr_scheduler_warmup"),
    ("num_train_epochs", "num_epochs"),
]


def _value(value) -> str:
    value = getattr(value, "value", value)  # enums such as the optimizer name
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def hyperparameters(training_args) -> dict[str, str]:
    """The hyperparameters a model card lists, read from a TrainingArguments object."""
    found = {label: _value(getattr(training_args, attr)) for attr, label in _HYPERPARAMETERS
             if getattr(training_args, attr, None) not in (None, "")}
    precision = "fp16" if training_args.fp16 else "bf16" if training_args.bf16 else "fp32"
    found["mixed_precision_training"] = "none (fp32)" if precision == "fp32" else f"Native AMP ({precision})"
    return found


_TITLES = {"epoch": "Epoch", "step": "Step", "train_loss": "Training Loss", "validation_loss": "Validation Loss"}


def column_title(key: str) -> str:
    """The model cards' column name for a history key ("train_loss" -> "Training Loss", "f1" -> "F1")."""
    return _TITLES.get(key, key.replace("_", " ").title())


def results_markdown(rows: list[dict]) -> str:
    """The per-epoch results as a Markdown table (rows as recorded by HistoryCallback)."""
    if not rows:
        return "_No evaluation was recorded._"
    columns = list(rows[0])
    header = [column_title(c) for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(":---:" for _ in columns) + "|"]
    for row in rows:
        cells = [_value(row.get(c, "")) or "No log" for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def framework_versions() -> dict[str, str]:
    """Versions of the libraries that trained the model."""
    import datasets
    import tokenizers
    import torch
    import transformers

    return {"Transformers": transformers.__version__, "Pytorch": torch.__version__,
            "Datasets": datasets.__version__, "Tokenizers": tokenizers.__version__}


def write_model_card(output_dir, *, model_name: str, base_model: str, dataset: str, task: str,
                     training_args, history_rows: list[dict], test_metrics: dict[str, float],
                     intended_use: str, limitations: str) -> Path:
    """Write README.md into `output_dir` and return its path.

    model_name: the card's title. base_model: the checkpoint fine-tuned from. dataset: what it was
    trained on. task: e.g. "text-classification". training_args: the TrainingArguments used.
    history_rows: HistoryCallback.rows. test_metrics: held-out scores, e.g. {"accuracy": 0.82}.
    intended_use, limitations: a few honest sentences each.
    """
    path = Path(output_dir) / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    results = "\n".join(f"- {name}: {_value(float(value))}" for name, value in test_metrics.items())
    params = "\n".join(f"- {name}: {value}" for name, value in hyperparameters(training_args).items())
    versions = "\n".join(f"- {name} {version}" for name, version in framework_versions().items())
    card = f"""---
library_name: transformers
base_model: {base_model}
pipeline_tag: {task}
tags:
- generated_from_trainer
- bert-course
metrics:
{chr(10).join(f"- {name}" for name in test_metrics)}
---

# {model_name}

This model is a fine-tuned version of `{base_model}` on {dataset}.
It achieves the following results on the held-out test set:
{results}

## Intended uses & limitations

{intended_use}

{limitations}

## Training procedure

### Training hyperparameters

The following hyperparameters were used during training:
{params}

### Training results

{results_markdown(history_rows)}

### Framework versions

{versions}
"""
    path.write_text(card, encoding="utf-8")
    return path
