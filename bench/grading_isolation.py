"""What the boundary around a graded kernel costs, side by side in one run: bubblewrap, Landlock, none.

1. Kernel start: a graded kernel started and answering, then killed, `--starts` times per isolation,
   the isolations taking turns (so a change of load hits all of them alike).
2. Grading: `--notebooks` copies of lesson 05's solution graded with `--jobs` at a time, per
   isolation: wall time and CPU time (user + sys of the grader and of every process of each kernel,
   read just before the kernel is killed), per notebook and extrapolated to a class of 200. On a
   shared machine the wall times grow with the load (printed before and after); the CPU time per
   notebook does not, and divided by the number of jobs (when they do not exceed the cores) it is
   the least wall time an idle machine could take.

Run:  python bench/grading_isolation.py [--starts 5] [--notebooks 8] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

from coursekit.grader import jail
from coursekit.grader.gradebook import grade_many
from coursekit.grader.kernel import SandboxKernel
from coursekit.grader.runner import Limits

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "05_troubleshooting_overfitting.ipynb"
CLASS = 200


def available() -> list[str]:
    found = [jail.NONE]
    found += [jail.BUBBLEWRAP] if jail.bubblewrap_works() else []
    found += [jail.LANDLOCK] if jail.landlock_abi() else []
    return found


class KernelCPU:
    """The CPU seconds of every graded kernel's processes, read just before each kernel is killed (a
    killed bubblewrap jail never reaps its processes, so RUSAGE_CHILDREN would miss them)."""

    def __init__(self):
        self.seconds, self.lock, self.kill = 0.0, threading.Lock(), SandboxKernel.kill

    def __enter__(self):
        counter = self

        def kill(kernel):
            if kernel.process is not None and kernel.process.poll() is None:
                counter.add(kernel.process.pid)
            counter.kill(kernel)

        SandboxKernel.kill = kill
        return self

    def __exit__(self, *exc):
        SandboxKernel.kill = self.kill

    def add(self, pid: int) -> None:
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system + times.children_user + times.children_system
        with self.lock:
            self.seconds += total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def kernel_starts(isolations: list[str], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {isolation: [] for isolation in isolations}
    for _ in range(rounds):
        for isolation in isolations:
            work, runtime = tempfile.mkdtemp(), tempfile.mkdtemp()
            kernel = SandboxKernel(work, runtime, 4096, isolation)
            try:
                times[isolation].append(kernel.start(120))
            finally:
                kernel.kill()
                shutil.rmtree(work, ignore_errors=True)
                shutil.rmtree(runtime, ignore_errors=True)
    return times


def grading(isolation: str, notebooks: int, jobs: int) -> tuple[float, float, list[int]]:
    """(wall seconds, kernels' CPU seconds, scores) for `notebooks` copies of the solution."""
    folder = Path(tempfile.mkdtemp())
    try:
        items = []
        for index in range(notebooks):
            path = folder / f"05_student{index:03d}.ipynb"
            shutil.copy(SOLUTION, path)
            items.append((path, path.name))
        with KernelCPU() as kernels:
            grader, began = own_cpu(), time.monotonic()
            reports = grade_many(items, Limits(isolation=isolation), jobs=jobs, seed=1)
            wall, grader = time.monotonic() - began, own_cpu() - grader
        return wall, kernels.seconds + grader, [report["score"] for report in reports]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--notebooks", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    isolations = available()
    print(f"{os.cpu_count()} CPU cores; load average before: {os.getloadavg()[0]:.1f}; isolations: {', '.join(isolations)}")
    starts = kernel_starts(isolations, args.starts)
    baseline = statistics.median(starts[jail.NONE])
    print(f"\nkernel start ({args.starts} each, taking turns): median s, min s, median minus none's")
    for isolation, times in starts.items():
        print(f"  {isolation:<10} {statistics.median(times):6.2f} {min(times):6.2f} {statistics.median(times) - baseline:+6.2f}")
    print(f"\ngrading {args.notebooks} lesson-05 notebooks with --jobs {args.jobs}: per notebook, and a class of {CLASS}")
    print("  isolation   wall s/nb  CPU s/nb  class of 200: wall min (here)  CPU/jobs min (idle floor)  scores")
    for isolation in isolations:
        wall, cpu, scores = grading(isolation, args.notebooks, args.jobs)
        per_wall, per_cpu = wall / args.notebooks, cpu / args.notebooks
        print(f"  {isolation:<10} {per_wall:9.2f} {per_cpu:9.2f}  {per_wall * CLASS / 60:29.1f}  "
              f"{per_cpu * CLASS / args.jobs / 60:25.1f}  {sorted(set(scores))}")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
