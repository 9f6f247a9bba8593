"""Which device trains, and in which precision: the fastest one that is correct on this hardware.

`auto` (the default) chooses:
* CUDA: bf16 mixed precision where the GPU runs bf16 natively (Ampere and newer), else fp16;
* Apple GPU (MPS): fp32, because mixed precision on MPS still depends on the PyTorch and macOS
  versions; ask for fp16 or bf16 explicitly to try it;
* CPU: bf16 mixed precision where the CPU has bf16 matrix instructions (AMX or AVX512-BF16, as
  PyTorch reports them; on other CPUs a 30 ms measured probe decides), else fp32. Without those
  instructions PyTorch emulates bf16, slower than fp32: 2.4x slower MiniLM training on an AVX512
  Xeon, and bf16 matmuls about 100x slower on a CPU without AVX512 (both measured).
COURSEKIT_PRECISION=auto|fp32|bf16|fp16 overrides the choice, for instructors and reproducible
runs; a choice the hardware cannot run raises PrecisionError naming what it can run.
COURSEKIT_DEVICE=auto|cpu|cuda|mps chooses the device the same way (`make test` sets cpu, so the
lessons print the same sample sizes on every machine).
"""

from __future__ import annotations

import functools
import os
import platform
import time
from dataclasses import dataclass

from ..errors import CourseError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ENV_VAR = "COURSEKIT_PRECISION"
DEVICES = ("auto", "cpu", "cuda", "mps")
DEVICE_ENV_VAR = "COURSEKIT_DEVICE"
PROBE_MIN_SPEEDUP = 1.2  # bf16 must beat fp32 by this factor in the probe to be chosen


class PrecisionError(CourseError, ValueError):
    """A precision the hardware cannot run (or cannot run fast, when it was not asked for explicitly)."""


@dataclass(frozen=True)
class PrecisionChoice:
    """The device and precision training will use, and why."""

    device: str  # "cuda", "mps" or "cpu"
    precision: str  # "fp32", "bf16" or "fp16"
    reason: str

    def training_args(self) -> dict:
        """The TrainingArguments flags for this choice (use_cpu=True on a CPU, as transformers needs for bf16)."""
        flags = {"bf16": self.precision == "bf16", "fp16": self.precision == "fp16"}
        if self.device == "cpu":
            flags["use_cpu"] = True
        return flags

    def describe(self) -> str:
        names = {"fp32": "fp32", "bf16": "bf16 mixed precision", "fp16": "fp16 mixed precision"}
        return f"device: {self.device}, precision: {names[self.precision]} ({self.reason})"


def training_device() -> str:
    """The device Trainer will use: "cuda", "mps" or "cpu" (COURSEKIT_DEVICE chooses one; else the fastest there is)."""
    import torch

    asked = (os.environ.get(DEVICE_ENV_VAR) or "auto").strip().lower()
    if asked not in DEVICES:
        raise PrecisionError(f"{DEVICE_ENV_VAR}={os.environ.get(DEVICE_ENV_VAR)!r} is not a device; use one of "
                             f"{', '.join(DEVICES)}.")
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())}
    if asked != "auto":
        if not available[asked]:
            raise PrecisionError(f"{DEVICE_ENV_VAR}={asked}, but this machine has no {asked} device. "
                                 f"Use {DEVICE_ENV_VAR}=cpu (or auto).")
        return asked
    return next(device for device in ("cuda", "mps", "cpu") if available[device])


def requested_precision() -> str:
    """The precision asked for with COURSEKIT_PRECISION ("auto" when unset); raises PrecisionError if unknown."""
    value = (os.environ.get(ENV_VAR) or "auto").strip().lower()
    if value not in PRECISIONS:
        raise PrecisionError(f"{ENV_VAR}={os.environ.get(ENV_VAR)!r} is not a precision; use one of "
                             f"{', '.join(PRECISIONS)}.")
    return value


def _cpu_reports_bf16() -> bool | None:
    """True/False where PyTorch can tell whether this x86 CPU has AMX or AVX512-BF16; None where it cannot."""
    import torch

    query = getattr(torch, "cpu", None)
    amx = getattr(query, "_is_amx_tile_supported", None)
    avx512_bf16 = getattr(query, "_is_avx512_bf16_supported", None)
    if amx is None or avx512_bf16 is None or platform.machine().lower() not in ("x86_64", "amd64", "i686", "x86"):
        return None
    return bool(amx() or avx512_bf16())


def _bf16_probe_speedup(size: int = 256, repeats: int = 3) -> float:
    """How many times faster a bf16 matmul runs than an fp32 one here (best of `repeats`, alternating)."""
    import torch

    a32 = torch.randn(size, size)
    b32 = torch.randn(size, size)
    a16, b16 = a32.bfloat16(), b32.bfloat16()
    best = {"fp32": float("inf"), "bf16": float("inf")}
    for _ in range(repeats):
        for name, (a, b) in (("fp32", (a32, b32)), ("bf16", (a16, b16))):
            start = time.perf_counter()
            a @ b
            best[name] = min(best[name], time.perf_counter() - start)
    return best["fp32"] / best["bf16"]


@functools.lru_cache(maxsize=1)
def cpu_bf16_support() -> tuple[bool, str]:
    """(fast, why): whether this CPU runs bf16 faster than fp32, decided once per process.

    x86 CPUs: what PyTorch reports about AMX and AVX512-BF16. Elsewhere (Arm, or a PyTorch without
    that query): a short measured probe, bf16 vs fp32 matmul.
    """
    reported = _cpu_reports_bf16()
    if reported is True:
        return True, "this CPU has AMX or AVX512-BF16 instructions"
    if reported is False:
        return False, "this CPU has no AMX or AVX512-BF16 instructions"
    speedup = _bf16_probe_speedup()
    if speedup >= PROBE_MIN_SPEEDUP:
        return True, f"a bf16 matmul ran {speedup:.1f}x faster than fp32 on this CPU"
    return False, f"a bf16 matmul ran at {speedup:.2g}x the speed of fp32 on this CPU"


def _cuda_bf16_native() -> bool:
    import torch

    try:
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    except TypeError:  # older PyTorch: no emulation argument
        return bool(torch.cuda.is_bf16_supported())


def _auto(device: str) -> PrecisionChoice:
    if device == "cuda":
        if _cuda_bf16_native():
            return PrecisionChoice(device, "bf16", "this GPU runs bf16 natively")
        return PrecisionChoice(device, "fp16", "this GPU has no native bf16; fp16 with loss scaling")
    if device == "mps":
        return PrecisionChoice(device, "fp32", "mixed precision on Apple GPUs depends on PyTorch and macOS "
                                               f"versions; set {ENV_VAR}=fp16 to try it")
    fast, why = cpu_bf16_support()
    return PrecisionChoice(device, "bf16" if fast else "fp32", why)


def _torch_at_least(major: int, minor: int) -> bool:
    import torch

    numbers = torch.__version__.split("+")[0].split(".")[:2]
    return tuple(int("".join(ch for ch in n if ch.isdigit()) or 0) for n in numbers) >= (major, minor)


def _forced(device: str, precision: str) -> PrecisionChoice:
    reason = f"{ENV_VAR}={precision}"
    if precision == "fp32":
        return PrecisionChoice(device, "fp32", reason)
    if precision == "fp16":
        if device == "cuda" or (device == "mps" and _torch_at_least(2, 5)):
            return PrecisionChoice(device, "fp16", reason)
        raise PrecisionError(f"{reason}, but fp16 mixed precision needs a CUDA GPU (or an Apple GPU with "
                             f"PyTorch >= 2.5); training runs on {device}. Use {ENV_VAR}=bf16 or fp32 (or auto).")
    if device == "cuda" and not _cuda_bf16_native():
        raise PrecisionError(f"{reason}, but this GPU has no native bf16 (it needs Ampere or newer). "
                             f"Use {ENV_VAR}=fp16 (or auto).")
    if device == "mps" and not _torch_at_least(2, 6):
        raise PrecisionError(f"{reason}, but bf16 on an Apple GPU needs PyTorch >= 2.6 and macOS >= 14. "
                             f"Use {ENV_VAR}=fp32 (or auto).")
    if device == "cpu" and not cpu_bf16_support()[0]:
        reason += " (emulated on this CPU: correct, but slower than fp32)"
    return PrecisionChoice(device, "bf16", reason)


def choose_precision(device: str | None = None) -> PrecisionChoice:
    """The precision training uses on `device` ("cuda", "mps", "cpu"; None detects it), honouring COURSEKIT_PRECISION."""
    device = device or training_device()
    requested = requested_precision()
    return _auto(device) if requested == "auto" else _forced(device, requested)


def precision_args(device: str | None = None) -> dict:
    """TrainingArguments flags for the fastest correct precision here, e.g. {"bf16": True, "fp16": False, "use_cpu": True}.

    device: "cuda", "mps" or "cpu"; None detects it. Pass them on: TrainingArguments(..., **precision_args(device)).
    """
    return choose_precision(device).training_args()


def describe_precision(device: str | None = None) -> str:
    """One line saying which device and precision training runs with, and why."""
    return choose_precision(device).describe()


def check_precision(args, device: str | None = None) -> None:
    """Raise PrecisionError when TrainingArguments ask for fp16/bf16 that this hardware cannot run (fast).

    args: TrainingArguments. device: "cuda", "cpu" or "mps"; None detects it (use_cpu forces "cpu").
    bf16 on a CPU without bf16 instructions is refused unless COURSEKIT_PRECISION=bf16 asks for it.
    """
    device = "cpu" if getattr(args, "use_cpu", False) else device or training_device()
    fix = "Use **coursekit.precision_args(device) in TrainingArguments: it picks what this hardware runs fast."
    if args.fp16 and device not in ("cuda", "mps"):
        raise PrecisionError(f"fp16=True needs a GPU, but training runs on {device}. {fix}")
    if device == "cpu" and args.bf16 and not cpu_bf16_support()[0] and requested_precision() != "bf16":
        raise PrecisionError("bf16=True on a CPU without bf16 instructions (AMX or AVX512-BF16): PyTorch "
                             f"would emulate bf16, which is slower than fp32 (2x to 100x, by CPU). {fix} "
                             f"(To run emulated bf16 anyway, set {ENV_VAR}=bf16.)")
