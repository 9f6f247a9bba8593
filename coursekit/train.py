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

from .errors import CourseError

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


def run(options: argparse.Namespace) -> dict[str, float]:
    """Train and evaluate as `options` say; return the test metrics (written to test_metrics.json too)."""
    from .sources import require_hub, resolve_source

    source = resolve_source(options.source)  # first, so an unreachable Hub fails in seconds
    if source == "hub":
        require_hub()
    output_dir = Path(options.output_dir)
    resume_from = None
    if options.resume:
        resume_from = last_complete_checkpoint(output_dir)
        if resume_from is None:
            raise CourseError(f"--resume: no complete checkpoint in {output_dir}. Start without --resume "
                              f"(checkpoints are written every --save-steps steps).")

    import datasets
    import transformers
    from transformers import (AutoTokenizer, DataCollatorForTokenClassification, DataCollatorWithPadding,
                              Trainer, TrainingArguments)

    from . import recipes
    from .data import load_task_dataset
    from .metrics import compute_classification_metrics, ner_metrics, squad_scores
    from .modelcard import write_model_card
    from .models import checkpoint_for, checkpoint_name, precision_args, training_device
    from .training import HistoryCallback, mean_over_labels

    recipe = recipes.RECIPES[options.task]
    device = training_device()

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    transformers.set_seed(options.seed)
    raw = load_task_dataset(options.task, source)
    train_size = options.train_size if options.train_size is not None else (
        recipe.cpu_train_size if device == "cpu" else None)
    train_raw = _sample(raw["train"], train_size, options.seed)
    validation_raw = _sample(raw["validation"], options.eval_size, options.seed)
    test_raw = _sample(raw["test"], options.eval_size, options.seed)

    checkpoint = checkpoint_for(options.task, source)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    names = recipes.label_names(options.task, raw["train"])
    head_args = {} if names is None else {
        "num_labels": len(names), "id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}
    model = getattr(transformers, recipe.model_class).from_pretrained(checkpoint, **head_args)

    collator = (DataCollatorForTokenClassification(tokenizer) if options.task == "ner"
                else DataCollatorWithPadding(tokenizer))
    compute_metrics = {"sentiment": compute_classification_metrics,
                       "ner": ner_metrics(names) if names else None}.get(options.task)
    per_epoch = options.save_steps is None
    args = TrainingArguments(
        output_dir=str(output_dir),
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
        use_cpu=device == "cpu",  # with a launcher, this makes Trainer's DDP run on CPU processes
        ddp_backend="gloo" if device == "cpu" and launched_processes() > 1 else None,
        **precision_args(device),
    )
    history = HistoryCallback()
    trainer = Trainer(
        model=model, args=args, data_collator=collator, processing_class=tokenizer,
        train_dataset=recipes.tokenize(options.task, tokenizer, train_raw),
        eval_dataset=recipes.tokenize(options.task, tokenizer, validation_raw),
        compute_metrics=compute_metrics, callbacks=[history],
        # the loss over all processes' labels, so N processes train like one with N times the batch
        compute_loss_func=mean_over_labels if options.task != "qa" else None,
    )
    if trainer.is_world_process_zero():
        print(f"{options.task}: {len(train_raw)} training examples on {args.world_size} process(es), "
              f"device {device}, source {source}", flush=True)
        if resume_from is not None:
            print(f"resuming from {resume_from}", flush=True)
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)

    trainer.args.train_sampling_strategy = "random"  # predict in dataset order (row i = example i)
    if options.task == "qa":
        features = recipes.tokenize("qa", tokenizer, test_raw, for_evaluation=True)
        output = trainer.predict(features.remove_columns(["example_id", "offset_mapping"]))
        predicted = recipes.qa_answers(test_raw, features, *output.predictions)
        test_metrics = squad_scores(predicted, {ex["id"]: ex["answers"]["text"] for ex in test_raw})
    else:
        output = trainer.predict(recipes.tokenize(options.task, tokenizer, test_raw))  # scored by compute_metrics
        test_metrics = {name[len("test_"):]: value for name, value in output.metrics.items()
                        if name[len("test_"):] in ("accuracy", "f1", "precision", "recall")}
    test_metrics = {name: float(value) for name, value in test_metrics.items()}

    if trainer.is_world_process_zero():
        model_dir = output_dir / "model"
        trainer.save_model(str(model_dir))
        write_model_card(
            model_dir, model_name=f"bert-course {options.task} model ({recipe.lesson})",
            base_model=checkpoint_name(checkpoint), dataset=recipe.dataset_name[source],
            task=recipe.pipeline_tag, training_args=args, history_rows=history.rows, test_metrics=test_metrics,
            intended_use=f"Teaching: the model lesson {recipe.lesson} trains, trained from the command line.",
            limitations="A small course model trained on a sample of its data; see the lesson for what it gets wrong.",
        )
        (output_dir / "test_metrics.json").write_text(json.dumps(test_metrics, indent=2) + "\n")
        print("test " + "  ".join(f"{name}: {value:.4f}" for name, value in test_metrics.items()), flush=True)
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
