"""The training-speed benchmark runs and reports every setup (its numbers are read, never asserted)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_reports_every_setup():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "training_speed.py"), "--examples", "32",
                             "--rounds", "1"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"fp32 matmul peak \d+ GFLOP/s", result.stdout)
    rows = re.findall(r"^(\S+) +[\d.]+ +[\d.]+x +[\d.]+ +\d+%$", result.stdout, flags=re.M)
    assert rows == ["course", "plain-loop", "pad-to-max", "dynamic"], result.stdout
