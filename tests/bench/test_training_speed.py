"""The training-speed benchmark runs and reports every setup (its numbers are read, never asserted)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = r"^(\S+) +[\d.]+ +[\d.]+x +[\d.]+ +\d+%$"


def bench(*extra):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "training_speed.py"), "--rounds", "1", *extra],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_benchmark_reports_every_setup_and_the_cpu():
    out = bench("--examples", "32")
    assert re.search(r"^CPU: .+; PyTorch CPU capability \S+; bf16 instructions: ", out, flags=re.M)
    assert re.search(r"fp32 matmul peak \d+ GFLOP/s", out)
    rows = re.findall(ROW, out, flags=re.M)
    assert rows[:4] == ["course", "plain-loop", "pad-to-max", "dynamic"], out
    assert rows[4:] in ([], ["course-bf16"])  # bf16 only where this CPU runs it fast


def test_benchmark_runs_bf16_side_by_side_when_asked():
    # emulated (slow) on CPUs without bf16 instructions, so only a handful of examples
    out = bench("--examples", "16", "--bf16", "yes")
    assert re.search(r"bf16 matmul peak \d+ GFLOP/s", out)
    assert re.findall(ROW, out, flags=re.M)[-1] == "course-bf16", out
