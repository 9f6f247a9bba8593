"""The training-speed benchmark runs and reports every setup side by side, bf16 included when asked (its
numbers are read, never asserted)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = r"^(\S+) +[\d.]+ +[\d.]+x +[\d.]+ +\d+%$"


def test_benchmark_reports_the_cpu_and_every_setup_with_bf16_side_by_side():
    # --bf16 yes: bf16 runs even where it is emulated (slow), so only a handful of examples
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "training_speed.py"), "--rounds", "1",
                             "--examples", "16", "--bf16", "yes"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"^CPU: .+; PyTorch CPU capability \S+; bf16 instructions: ", out, flags=re.M)
    assert re.search(r"fp32 matmul peak \d+ GFLOP/s; bf16 matmul peak \d+ GFLOP/s", out)
    assert re.findall(ROW, out, flags=re.M) == ["course", "plain-loop", "pad-to-max", "dynamic", "course-bf16"], out
