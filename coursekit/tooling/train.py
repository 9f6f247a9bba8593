"""Fine-tune a course task from the command line, on one machine or many, and resume after a crash.

    python -m coursekit.train --task ner --output-dir runs/ner
    torchrun --nproc_per_node=4 -m coursekit.train --task qa --output-dir runs/qa
    accelerate launch -m coursekit.train --task sentiment --output-dir runs/sentiment
    python -m coursekit.train --task ner --output-dir runs/ner --resume   # after a crash

The same recipe as the lessons (coursekit.recipes) with transformers' Trainer, which runs as
distributed data parallel when a launcher starts several processes. Checkpoints are saved every
--save-steps steps; --resume continues from the last complete one, with the optimizer, scheduler,
random state and data order restored, so the result equals an uninterrupted run's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import CourseError

CHECKPOINT_PREFIX = "checkpoint-"


def last_complete_checkpoint(output_dir) -> Path | None:
    """The newest checkpoint folder in `output_dir` that was fully written, or None.

    A process killed while saving leaves a folder without trainer_state.json (Trainer writes it
    last), so such a folder is skipped rather than resumed from.
    """
    complete = []
    for folder in Path(output_dir).glob(CHECKPOINT_PREFIX + "*"):
        step = folder.name[len(CHECKPOINT_PREFIX):]
        try:
            json.loads((folder / "trainer_state.json").read_text())
        except (OSError, ValueError):
            continue
        if step.isdigit():
            complete.append((int(step), folder))
    return max(complete)[1] if complete else None


def launched_processes() -> int:
    """How many processes a launcher (torchrun, accelerate launch) started; 1 without one."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m coursekit.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", required=True, choices=["sentiment", "ner", "qa"])
    parser.add_argument("--output-dir", required=True, help="checkpoints, the final model and its card")
    parser.add_argument("--source", default=None, help="hub, offline or auto (default: $COURSEKIT_SOURCE or auto)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="training examples to sample (default: the lesson's sample on CPU, all on GPU; 0: all)")
    parser.add_argument("--eval-size", type=int, default=None,
                        help="validation and test examples to score (default: all)")
    parser.add_argument("--epochs", type=float, default=None, help="default: the lesson's")
    parser.add_argument("--learning-rate", type=float, default=None, help="default: the lesson's for the source")
    parser.add_argument("--batch-size", type=int, default=16, help="per device (process)")
    parser.add_argument("--save-steps", type=int, default=None,
                        help="checkpoint every N optimizer steps (default: every epoch)")
    parser.add_argument("--resume", action="store_true", help="continue from the last complete checkpoint")
    parser.add_argument("--seed", type=int, default=42)
    return parser


def _sample(dataset, size: int | None, seed: int):
    if not size or size >= len(dataset):
        return dataset
    return dataset.shuffle(seed=seed).select(range(size))


def _settle_source(requested: str | None) -> str:
    from ..lesson.sources import require_hub, resolve_source

    source = resolve_source(requested)  # first, so an unreachable Hub fails in seconds
    if source == "hub":
        require_hub()
    return source


def _resume_point(options) -> Path | None:
    if not options.resume:
        return None
    found = last_complete_checkpoint(options.output_dir)
    if found is None:
        raise CourseError(f"--resume: no complete checkpoint in {options.output_dir}. Start without --resume "
                          f"(checkpoints are written every --save-steps steps).")
    return found


def _quiet_and_seed(seed: int) -> None:
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    transformers.set_seed(seed)


def _load_splits(options, source: str, recipe, device: str) -> dict:
    """The raw train (sampled as the lesson does on a CPU), validation and test splits."""
    from ..lesson.data import load_task_dataset

    raw = load_task_dataset(options.task, source)
    train_size = options.train_size if options.train_size is not None else (
        recipe.cpu_train_size if device == "cpu" else None)
    return {"train": _sample(raw["train"], train_size, options.seed),
            "validation": _sample(raw["validation"], options.eval_size, options.seed),
            "test": _sample(raw["test"], options.eval_size, options.seed)}


def _load_model(recipe, checkpoint: str, names: list[str] | None):
    import transformers

    head_args = {} if names is None else {
        "num_labels": len(names), "id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}
    return getattr(transformers, recipe.model_class).from_pretrained(checkpoint, **head_args)


def _training_arguments(options, recipe, source: str, device: str):
    from transformers import TrainingArguments

    from ..lesson.precision import precision_args

    per_epoch = options.save_steps is None
    return TrainingArguments(
        output_dir=str(options.output_dir),
        num_train_epochs=options.epochs or recipe.epochs,
        learning_rate=options.learning_rate or recipe.learning_rate[source],
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=64,
        warmup_steps=0.1,
        weight_decay=0.01,
        eval_strategy="epoch",
        save_strategy="epoch" if per_epoch else "steps",
        save_steps=options.save_steps or 500,
        save_total_limit=2,  # the last two: one may be half-written when a run is killed
        logging_steps=10,
        train_sampling_strategy="group_by_length",
        seed=options.seed,
        report_to="none",
        disable_tqdm=True,  # a launcher's log, not a notebook: one line per log instead of bars
        dataloader_pin_memory=device == "cuda",
        ddp_backend="gloo" if device == "cpu" and launched_processes() > 1 else None,
        **precision_args(device),  # on a CPU this includes use_cpu=True, so a launcher's DDP runs on CPU processes
    )


def _build_trainer(task: str, model, args, tokenizer, splits: dict, names, history):
    from transformers import DataCollatorForTokenClassification, DataCollatorWithPadding, Trainer

    from ..lesson.metrics import compute_classification_metrics, ner_metrics
    from ..lesson.training import mean_over_labels
    from . import recipes

    collator = DataCollatorForTokenClassification(tokenizer) if task == "ner" else DataCollatorWithPadding(tokenizer)
    compute_metrics = {"sentiment": compute_classification_metrics, "ner": ner_metrics(names) if names else None}.get(task)
    return Trainer(
        model=model, args=args, data_collator=collator, processing_class=tokenizer,
        train_dataset=recipes.tokenize(task, tokenizer, splits["train"]),
        eval_dataset=recipes.tokenize(task, tokenizer, splits["validation"]),
        compute_metrics=compute_metrics, callbacks=[history],
        # the loss over all processes' labels, so N processes train like one with N times the batch
        compute_loss_func=mean_over_labels if task != "qa" else None,
    )


def _test_metrics(trainer, task: str, tokenizer, test_raw) -> dict[str, float]:
    from ..lesson.metrics import squad_scores
    from . import recipes

    trainer.args.train_sampling_strategy = "random"  # predict in dataset order (row i = example i)
    if task == "qa":
        features = recipes.tokenize("qa", tokenizer, test_raw, for_evaluation=True)
        output = trainer.predict(features.remove_columns(["example_id", "offset_mapping"]))
        predicted = recipes.qa_answers(test_raw, features, *output.predictions)
        scores = squad_scores(predicted, {ex["id"]: ex["answers"]["text"] for ex in test_raw})
    else:
        output = trainer.predict(recipes.tokenize(task, tokenizer, test_raw))  # scored by compute_metrics
        scores = {name[len("test_"):]: value for name, value in output.metrics.items()
                  if name[len("test_"):] in ("accuracy", "f1", "precision", "recall")}
    return {name: float(value) for name, value in scores.items()}


def _save(trainer, options, recipe, source: str, checkpoint: str, history, test_metrics) -> None:
    from ..lesson.modelcard import write_model_card
    from ..lesson.models import checkpoint_name

    output_dir = Path(options.output_dir)
    model_dir = output_dir / "model"
    trainer.save_model(str(model_dir))
    write_model_card(
        model_dir, model_name=f"bert-course {options.task} model ({recipe.lesson})",
        base_model=checkpoint_name(checkpoint), dataset=recipe.dataset_name[source],
        task=recipe.pipeline_tag, training_args=trainer.args, history_rows=history.rows, test_metrics=test_metrics,
        intended_use=f"Teaching: the model lesson {recipe.lesson} trains, trained from the command line.",
        limitations="A small course model trained on a sample of its data; see the lesson for what it gets wrong.",
    )
    (output_dir / "test_metrics.json").write_text(json.dumps(test_metrics, indent=2) + "\n")
    print("test " + "  ".join(f"{name}: {value:.4f}" for name, value in test_metrics.items()), flush=True)


def run(options: argparse.Namespace) -> dict[str, float]:
    """Train and evaluate as `options` say; return the test metrics (written to test_metrics.json too)."""
    source = _settle_source(options.source)
    resume_from = _resume_point(options)

    from transformers import AutoTokenizer

    from ..lesson.models import checkpoint_for
    from ..lesson.precision import training_device
    from ..lesson.training import HistoryCallback
    from . import recipes

    _quiet_and_seed(options.seed)
    recipe = recipes.RECIPES[options.task]
    device = training_device()
    splits = _load_splits(options, source, recipe, device)
    checkpoint = checkpoint_for(options.task, source)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    names = recipes.label_names(options.task, splits["train"])
    model = _load_model(recipe, checkpoint, names)
    args = _training_arguments(options, recipe, source, device)
    history = HistoryCallback()
    trainer = _build_trainer(options.task, model, args, tokenizer, splits, names, history)
    if trainer.is_world_process_zero():
        print(f"{options.task}: {len(splits['train'])} training examples on {args.world_size} process(es), "
              f"device {device}, source {source}", flush=True)
        if resume_from is not None:
            print(f"resuming from {resume_from}", flush=True)
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    test_metrics = _test_metrics(trainer, options.task, tokenizer, splits["test"])
    if trainer.is_world_process_zero():
        _save(trainer, options, recipe, source, checkpoint, history, test_metrics)
    return test_metrics


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        run(options)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
