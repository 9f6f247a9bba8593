"""Grading one notebook: `grade_submission` shows it start to end; `NotebookRun` holds the steps.

Cells run one by one, each within the per-cell limit and all within the per-notebook limit. After
each cell the grader asks the kernel which objects the task names are bound to; when one changes,
that task is evaluated: one silent request per case, each within the per-call limit, whose only
answer is the plain data the probe returns. Every evaluation calls every case (visible, then hidden
ones drawn afresh for that evaluation from the secret seed and an evaluation counter) in a fixed
order, whatever the answers: nothing the kernel can observe depends on whether it answered right.
At the end of the notebook every task is evaluated again, so a task's result is its last
evaluation. Verdicts are computed here, never in the kernel.

A request that ends the kernel (a cell or call past its limit, os._exit, a crash, memory, exit())
costs that kernel: the next request gets a fresh one with the completed cells replayed
(`NotebookRun.kernel`, the one place kernels start), and grading goes on after the offending cell.
Results recorded before stay. The kernel works in a private temporary folder holding a copy of its
own notebook, and runs under the isolation jail.py chose.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass

from ..tasks.safetext import clean
from ..tasks.verdict import ENDS_EVALUATION, ERROR, NOT_ATTEMPTED, TIMED_OUT, collect, judge, result_row
from . import jail, reaper
from .kernel import KernelStartError, Reply, SandboxKernel, parse_json
from .submission import Submission

PROBE = "__import__('coursekit.sandbox.probe', fromlist=['probe'])"
MIN_MEMORY_MB = 1280  # measured: a kernel starts (python, IPython, torch) within 1280 MiB, not 1024
MIN_MEMORY_MB_TRANSFORMERS = 2048  # measured: exercises 01 and 02 (transformers, tiny BERTs) pass in 2048, not 1536
PREPARED = ("bert", "eval_pred", "training_args")  # builders and observers slow the first time (probe.prepare)


@dataclass(frozen=True)
class Limits:
    """Wall-clock seconds per cell, per notebook and per call of a learner function; memory in MiB;
    the isolation asked for (jail.CHOICES: "auto" takes the jail, else Landlock, else refuses)."""

    cell_timeout: float = 120.0
    notebook_timeout: float = 900.0
    call_timeout: float = 10.0
    memory_mb: int = 4096
    startup_timeout: float = 120.0
    max_restarts: int = 5
    isolation: str = jail.AUTO


class NoKernelError(RuntimeError):
    """Not even the first kernel started (too little memory, a broken installation): no grading at all."""


class _Stop(Exception):
    """Grading of this notebook ends early (out of time, or too many restarts); results so far stand."""


class _OutOfTime(_Stop):
    """The per-notebook limit is used up."""


def grade_submission(submission: Submission, limits: Limits = Limits(), seed: int | None = None) -> dict:
    """Grade one readable submission in fresh sandbox kernels: the whole of it, start to end.

    seed: for reproducible hidden cases (an instructor's re-grade); by default a fresh secret one.
    The report: see NotebookRun.report. IsolationError when the isolation asked for is not available,
    NoKernelError when no kernel could start at all (both before any learner code runs).
    """
    isolation = jail.choose(limits.isolation)
    seed = secrets.randbits(64) if seed is None else seed
    with reaper.batch(needed=isolation != jail.BUBBLEWRAP), NotebookRun(submission, limits, seed, isolation) as run:
        try:
            run.kernel()  # the first kernel: NoKernelError if it cannot start
            for index in range(len(submission.cells)):
                if run.run_cell(index):  # False: the cell ended its kernel, and is left out
                    run.evaluate_changed()  # the tasks whose function that cell (re)defined
            run.evaluate_at_end()  # every task, on the notebook's final state
        except _Stop as stop:  # out of time, or restarted too often: the results so far stand
            run.stop(stop)
        except KernelStartError as exc:  # a restart that failed: the results so far stand
            run.notes.append(f"The grader could not run this notebook: {exc}.")
        return run.report()


def defines(source: str, name: str) -> bool:
    """Whether a cell's source defines `name` (def, class, or an assignment at the start of a line)."""
    return re.search(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*(?::[^=]*)?=(?!=)",
                     source, re.MULTILINE) is not None


def _asks_exit(reply: Reply) -> bool:
    """Whether a cell called exit() or quit(): the kernel stops shortly after its reply."""
    payload = reply.content.get("payload")
    return isinstance(payload, list) and any(isinstance(p, dict) and p.get("source") == "ask_exit" for p in payload)


def _first_line(source: str) -> str:
    line = source.strip().splitlines()[0]
    return clean(line if len(line) <= 50 else line[:47] + "...", 60)


class NotebookRun:
    """The grading of one submission (a context manager: its folders and kernel go at the end).
    seed: where its hidden cases come from (never sent to the kernel); isolation: as jail.choose gave."""

    def __init__(self, submission: Submission, limits: Limits, seed: int, isolation: str):
        self.sub, self.limits, self.seed, self.isolation = submission, limits, seed, isolation
        self.names = [task.function for task in submission.tasks]
        self.evaluations: dict[str, int] = {}
        self.results: dict[str, dict] = {}
        self.fatal: set[str] = set()  # tasks whose function ended the kernel in its last evaluation
        self.seen: dict[str, str | None] = {}  # task function -> the fingerprint last evaluated
        self.found: dict = {}  # the fingerprints after the last cell
        self.completed: list[int] = []  # cells that ran to the end (replayed after a restart)
        self.failed_cells: list[tuple[int, str]] = []
        self.notes: list[str] = []
        self.kernel_seconds: list[float] = []
        self.restarts = 0
        self.prepared: set[str] = set()
        self.out_of_time = False
        self._kernel: SandboxKernel | None = None
        self.deadline = time.monotonic() + limits.notebook_timeout

    def __enter__(self) -> NotebookRun:
        self.runtime_dir = tempfile.mkdtemp(prefix="coursekit-kernels-")  # connection folders
        self.workdir = tempfile.mkdtemp(prefix="coursekit-grade-")  # the kernel's scratch folder
        if self.sub.data is not None:  # its own notebook, next to it (never the submissions folder)
            with open(f"{self.workdir}/{self.sub.local_name}", "wb") as handle:
                handle.write(self.sub.data)
        return self

    def __exit__(self, *exc) -> None:
        if self._kernel is not None:
            self._kernel.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    # ---- the kernel: the one place kernels start ------------------------------------------------------

    def left(self) -> float:
        """Seconds left of the per-notebook limit."""
        return self.deadline - time.monotonic()

    def _limit(self, seconds: float) -> float:
        if self.left() <= 0:
            raise _OutOfTime(f"The notebook used up its {self.limits.notebook_timeout:g} s; grading stopped there.")
        return min(seconds, self.left())

    def kernel(self) -> SandboxKernel:
        """The live kernel. The first call starts one (NoKernelError if it cannot); after a request that
        ended it, a fresh one starts with the completed cells replayed, a replayed cell that ends it
        again being left out (then another starts). _Stop after max_restarts restarts."""
        while self._kernel is None or not self._kernel.alive():
            first = self._kernel is None
            if not first:
                self._kernel.kill()
                self.restarts += 1
                if self.restarts > self.limits.max_restarts:
                    raise _Stop(f"The kernel was restarted {self.limits.max_restarts} times; grading stopped there.")
            self._kernel = SandboxKernel(self.workdir, self.runtime_dir, self.limits.memory_mb, self.isolation)
            try:
                self.kernel_seconds.append(self._kernel.start(max(self._limit(self.limits.startup_timeout), 1.0)))
            except KernelStartError as exc:
                if not first:
                    raise
                memory = (f"; is --memory-mb {self.limits.memory_mb} enough? a kernel needs about {MIN_MEMORY_MB} "
                          f"MiB to start, {MIN_MEMORY_MB_TRANSFORMERS} MiB for exercises 01 and 02"
                          if self.limits.memory_mb else "")
                raise NoKernelError(f"{exc}{memory}") from None
            self.prepared = set()
            self._replay()
        return self._kernel

    def _replay(self) -> None:
        """Run the completed cells again in a fresh kernel; the task names' new fingerprints count as seen."""
        for index in list(self.completed):
            reply = self._kernel.execute(self.sub.cells[index], self._limit(self.limits.cell_timeout))
            if reply.ended or _asks_exit(reply):
                self._kernel.kill()
                self.completed.remove(index)
                self.notes.append(f"code cell {index + 1} failed when it was run again after a restart; "
                                  f"it was left out.")
                return
        reply = self._kernel.execute("", self._limit(self.limits.call_timeout), silent=True,
                                     user_expressions=self._fingerprint_expression())
        self.seen.update(self._fingerprints_in(reply) or {})

    def request(self, code: str, seconds: float, expressions: dict | None = None) -> Reply:
        """Run `code` (silent when it is a grader's probe, i.e. has expressions) in the live kernel."""
        kernel = self.kernel()
        return kernel.execute(code, self._limit(seconds), user_expressions=expressions, silent=expressions is not None)

    # ---- cells ---------------------------------------------------------------------------------------

    def _fingerprint_expression(self) -> dict:
        return {"fp": f"{PROBE}.fingerprints(globals(), {json.dumps(self.names)})"}

    @staticmethod
    def _fingerprints_in(reply: Reply) -> dict | None:
        found = parse_json(reply.expression("fp")) if reply.status == "ok" else None
        return found if isinstance(found, dict) else None

    def run_cell(self, index: int) -> bool:
        """Run one cell, then ask for the task names' fingerprints in a request of its own (a kernel that
        dies or hangs there was ended by the cell: exit(), a hook). Whether the cell completed."""
        source = self.sub.cells[index]
        reply = self.request(source, self.limits.cell_timeout)
        if _asks_exit(reply):
            self._kernel.kill()
            reply.status = "died"
        if not reply.ended:
            after = self.request("", self.limits.call_timeout, self._fingerprint_expression())
            reply = after if after.ended else reply
        if reply.ended:
            self.failed_cells.append((index, reply.status))
            self.notes.append(f"code cell {index + 1} ({_first_line(source)}) {self._stopped(reply.status)}; the "
                              f"rest of the notebook still ran.")
            return False
        self.completed.append(index)
        self.found = self._fingerprints_in(after) or {}
        return True

    # ---- evaluations ---------------------------------------------------------------------------------

    def evaluate_changed(self) -> None:
        """Evaluate each task whose function is bound to another object since its last evaluation."""
        for task in self.sub.tasks:
            now = self.found.get(task.function)
            if now is not None and now != self.seen.get(task.function):
                self.seen[task.function] = now
                self._evaluate(task)

    def evaluate_at_end(self) -> None:
        """Evaluate every task on the notebook's final state (not again a function that ended the kernel
        in its last evaluation and has not changed since)."""
        reply = self.request("", self.limits.call_timeout, self._fingerprint_expression())
        found = self._fingerprints_in(reply) or {}
        for task in self.sub.tasks:
            if task.task_id in self.fatal and found.get(task.function) == self.seen.get(task.function):
                continue
            self.seen[task.function] = found.get(task.function)
            self._evaluate(task)

    def _prepare(self, task) -> None:
        """Warm what the task's builder and observer need, within the cell limit, before its calls."""
        for name in (task.builder, task.observer):
            if name in PREPARED and name not in self.prepared:
                self.request("", self.limits.cell_timeout, {"ready": f"{PROBE}.prepare({name!r})"})
                self.prepared.add(name)

    def _call(self, task, case) -> dict:
        expression = (f"{PROBE}.call(globals(), {task.function!r}, {task.builder!r}, "
                      f"{json.dumps(list(case.args))!r}, {task.observer!r})")
        reply = self.request("", self.limits.call_timeout, {"r": expression})
        if reply.ended:
            return {"kind": reply.status}
        if reply.oversized("r"):
            return {"kind": "too_big"}
        found = parse_json(reply.expression("r")) if reply.status == "ok" else None
        return found if isinstance(found, dict) and isinstance(found.get("kind"), str) else {"kind": "unreadable"}

    def cases(self, task) -> list:
        """The visible cases, then hidden ones drawn afresh for this evaluation of `task` (the secret
        seed and an evaluation counter: a re-grade with the same seed draws the same ones)."""
        count = self.evaluations[task.task_id] = self.evaluations.get(task.task_id, 0) + 1
        rng = random.Random(f"{self.seed}:{task.task_id}:{count}")
        return [(c, False) for c in task.visible] + [(c, True) for c in task.hidden_cases(rng)]

    def _evaluate(self, task) -> None:
        self._prepare(task)
        outcomes = collect(task, self.cases(task), lambda case, hidden: self._call(task, case))
        self.results[task.task_id] = judge(task, outcomes, 1, self.limits.call_timeout)
        killed = outcomes[-1].result.get("kind") in ENDS_EVALUATION
        (self.fatal.add if killed else self.fatal.discard)(task.task_id)

    # ---- the report ----------------------------------------------------------------------------------

    def stop(self, stop: _Stop) -> None:
        """Grading ended early: say why in the notes."""
        self.notes.append(str(stop))
        self.out_of_time = isinstance(stop, _OutOfTime)

    def _stopped(self, status: str) -> str:
        """What a cell that ended its kernel did, for feedback ("timeout" or "died")."""
        return (f"ran past the {self.limits.cell_timeout:g} s a cell may take and was stopped" if status == "timeout"
                else "ended the Python process")

    def _unfinished_cell(self, task) -> dict | None:
        """The result of a task whose function was defined by a cell that was stopped (so never defined)."""
        for index, status in self.failed_cells:
            if defines(self.sub.cells[index], task.function):
                return result_row(task, TIMED_OUT if status == "timeout" else ERROR,
                                  f"Code cell {index + 1}, which defines `{task.function}`, {self._stopped(status)}, "
                                  f"so `{task.function}` was never defined: make that cell finish (move slow or "
                                  f"exiting code out of it).")
        return None

    def report(self) -> dict:
        """{"exercise", "score", "max_score", "tasks": [per-task result], "notes", "kernel_start_s", "isolation"}."""
        rows = []
        for task in self.sub.tasks:
            unfinished = "The notebook stopped before this task could be graded."
            row = (self.results.get(task.task_id)
                   or result_row(task, TIMED_OUT if self.out_of_time else ERROR, unfinished))
            if row["status"] == NOT_ATTEMPTED:
                row = self._unfinished_cell(task) or row
            rows.append(row)
        return {"exercise": self.sub.exercise, "score": sum(row["points"] for row in rows), "max_score": len(rows),
                "tasks": rows, "notes": self.notes, "kernel_start_s": [round(s, 2) for s in self.kernel_seconds],
                "isolation": self.isolation}
