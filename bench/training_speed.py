"""Training speed, side by side in one run: the course's setup against three common alternatives.

Same data (offline Rotten Tomatoes snippets), same model (MiniLM), same batch size, optimizer and
learning rate; only the training setup differs:

  course      Trainer + dynamic padding + train_sampling_strategy="group_by_length" (lessons 02-04)
  plain-loop  a plain PyTorch loop: shuffled DataLoader, dynamic padding, AdamW
  pad-to-max  Trainer with every text padded to max_length=128 (the common tutorial default)
  dynamic     Trainer with dynamic padding, random order
  course-bf16 the course's setup in bf16 mixed precision (bf16=True, use_cpu=True): run where the CPU
              has bf16 instructions (AMX or AVX512-BF16), or with --bf16 yes anywhere (emulated: slow)

It prints the CPU's features, examples/s, each setup's ratio to the course's (fp32), and the achieved
FLOP/s (6 x non-embedding parameters x tokens computed, padding included) as a fraction of this
machine's matmul peak in the same precision, measured here first.
Run:  python bench/training_speed.py [--examples 480] [--rounds 2] [--bf16 auto|yes|no]
"""

from __future__ import annotations

import argparse
import math
import time

import torch

BATCH_SIZE = 16
LEARNING_RATE = 1e-4
MAX_LENGTH = 128


def matmul_peak_flops(size: int = 1024, seconds: float = 2.0, dtype=torch.float32) -> float:
    """The best FLOP/s of square matmuls in `dtype` on this machine (the ceiling training is compared to)."""
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    torch.mm(a, b)
    best, deadline = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(4):
            torch.mm(a, b)
        best = max(best, 4 * 2 * size ** 3 / (time.perf_counter() - start))
    return best


class CountingCollator:
    """Wraps a collator and counts the token positions the model computes (padding included)."""

    def __init__(self, collator):
        self.collator, self.tokens = collator, 0

    def __call__(self, features):
        batch = self.collator(features)
        self.tokens += batch["input_ids"].numel()
        return batch


def non_embedding_parameters(model) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)


def cpu_features() -> str:
    """The CPU and the instruction sets PyTorch reports for it."""
    import platform

    name = platform.processor() or platform.machine()
    try:
        name = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    query = getattr(torch, "cpu", None)
    flags = [label for label, attr in [("AVX512", "_is_avx512_supported"), ("AVX512-BF16", "_is_avx512_bf16_supported"),
                                       ("AMX", "_is_amx_tile_supported")]
             if getattr(query, attr, lambda: False)()]
    return f"{name}; PyTorch CPU capability {torch.backends.cpu.get_cpu_capability()}; " \
           f"bf16 instructions: {', '.join(flags[1:]) or 'none'}"


def trainer_run(model, dataset, collator, grouped: bool, output_dir: str, bf16: bool = False) -> float:
    from transformers import PrinterCallback, Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=output_dir, num_train_epochs=1, learning_rate=LEARNING_RATE,
        per_device_train_batch_size=BATCH_SIZE, warmup_steps=0.1, weight_decay=0.01,
        train_sampling_strategy="group_by_length" if grouped else "random",
        save_strategy="no", eval_strategy="no", logging_strategy="no", report_to="none",
        disable_tqdm=True, dataloader_pin_memory=False, seed=42, use_cpu=True, bf16=bf16,
    )
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    trainer.remove_callback(PrinterCallback)  # no per-run log lines between the results
    start = time.perf_counter()
    trainer.train()
    return time.perf_counter() - start


def plain_loop_run(model, dataset, collator) -> float:
    from transformers import get_linear_schedule_with_warmup

    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collator,
                                         generator=torch.Generator().manual_seed(42))
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = len(loader)
    schedule = get_linear_schedule_with_warmup(optimizer, math.ceil(0.1 * steps), steps)
    model.train()
    start = time.perf_counter()
    for batch in loader:
        model(**batch).loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=480, help="training examples per setup")
    parser.add_argument("--rounds", type=int, default=2, help="runs of every setup; the fastest counts")
    parser.add_argument("--bf16", choices=["auto", "yes", "no"], default="auto",
                        help="also run the course's setup in bf16: auto = where the CPU has bf16 instructions")
    options = parser.parse_args()

    import datasets
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding

    import coursekit
    from coursekit.lesson.precision import cpu_bf16_support

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    checkpoint = coursekit.checkpoint_for("sentiment", "offline")
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    raw = coursekit.load_task_dataset("sentiment", "offline", split="train").shuffle(seed=0)
    raw = raw.select(range(options.examples))
    dynamic = raw.map(lambda b: tokenizer(b["text"], truncation=True, max_length=MAX_LENGTH),
                      batched=True, remove_columns=["text"])
    padded = raw.map(lambda b: tokenizer(b["text"], truncation=True, max_length=MAX_LENGTH, padding="max_length"),
                     batched=True, remove_columns=["text"])
    torch_dynamic = dynamic.with_format("torch")

    fast_bf16, why = cpu_bf16_support()
    run_bf16 = options.bf16 == "yes" or (options.bf16 == "auto" and fast_bf16)
    peak = {"fp32": matmul_peak_flops()}
    if run_bf16:
        peak["bf16"] = matmul_peak_flops(size=1024 if fast_bf16 else 128, dtype=torch.bfloat16)
    print(f"CPU: {cpu_features()}")
    print(f"{options.examples} examples, batch {BATCH_SIZE}, MiniLM, {torch.get_num_threads()} threads; "
          + "; ".join(f"{name} matmul peak {value / 1e9:.0f} GFLOP/s" for name, value in peak.items()))
    if not run_bf16:
        print(f"bf16 not run: {why} (--bf16 yes runs it anyway, emulated)")

    setups = {
        "course": lambda model, c: trainer_run(model, dynamic, c, True, "/tmp/bench-course"),
        "plain-loop": lambda model, c: plain_loop_run(model, torch_dynamic, c),
        "pad-to-max": lambda model, c: trainer_run(model, padded, c, False, "/tmp/bench-pad"),
        "dynamic": lambda model, c: trainer_run(model, dynamic, c, False, "/tmp/bench-dynamic"),
    }
    if run_bf16:
        setups["course-bf16"] = lambda model, c: trainer_run(model, dynamic, c, True, "/tmp/bench-bf16", bf16=True)
    best: dict[str, tuple[float, int]] = {}
    for _ in range(options.rounds):  # interleaved, so a slow spell of the machine hits every setup
        for name, run in setups.items():
            torch.manual_seed(42)
            model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2)
            collator = CountingCollator(DataCollatorWithPadding(tokenizer))
            seconds = run(model, collator)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, collator.tokens)
    parameters = non_embedding_parameters(model)

    course_speed = options.examples / best["course"][0]
    print(f"{'setup':<11} {'examples/s':>10} {'course is':>10} {'GFLOP/s':>8} {'of peak':>8}")
    for name, (seconds, tokens) in best.items():
        speed = options.examples / seconds
        flops = 6 * parameters * tokens / seconds
        ceiling = peak["bf16" if name.endswith("bf16") else "fp32"]
        print(f"{name:<11} {speed:10.1f} {course_speed / speed:9.2f}x {flops / 1e9:8.1f} {flops / ceiling:8.0%}")


if __name__ == "__main__":
    main()
