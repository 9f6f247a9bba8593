"""Grading one notebook: run its code cells in a sandbox kernel under hard limits, and evaluate each
task's function on the grader's inputs.

Cells run one by one, each within the per-cell limit and all within the per-notebook limit; a cell
past its limit, or one that ends the kernel (os._exit, a crash, memory), costs a killed kernel: a
fresh one starts, the cells that had completed are replayed, and the notebook goes on after the
offending cell. After each cell the grader asks the kernel which objects the task names are bound
to; when one changes, that task is evaluated: one silent request per case, each within the
per-call limit, whose only answer is the plain data the probe returns. Every evaluation calls every
case (visible, then hidden ones drawn afresh for that evaluation from the secret seed and an
evaluation counter) in a fixed order, whatever the answers: nothing the kernel can observe depends
on whether it answered right. At the end of the notebook every task is evaluated again, so a task's
result is its last evaluation, and results recorded before a kernel died stay. Verdicts are
computed here, never in the kernel. The kernel runs in a private temporary folder holding a copy
of its own notebook; processes it left behind are killed when the notebook is done (reaper.py).
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

from . import jail, reaper
from .kernel import KernelStartError, SandboxKernel, parse_json
from .safetext import clean
from .submission import Submission
from .verdict import ENDS_EVALUATION, ERROR, NOT_ATTEMPTED, TIMED_OUT, collect, judge, result_row

PROBE = "__import__('coursekit.grader.probe', fromlist=['probe'])"
MIN_MEMORY_MB = 1280  # measured: a kernel starts (python, IPython, torch) within 1280 MiB, not 1024
MIN_MEMORY_MB_TRANSFORMERS = 2048  # measured: exercises 01 and 02 (transformers, tiny BERTs) pass in 2048, not 1536
PREPARED_BUILDERS = ("bert", "eval_pred")


@dataclass(frozen=True)
class Limits:
    """Wall-clock seconds per cell, per notebook and per call of a learner function; memory in MiB."""

    cell_timeout: float = 120.0
    notebook_timeout: float = 900.0
    call_timeout: float = 10.0
    memory_mb: int = 4096
    startup_timeout: float = 120.0
    max_restarts: int = 5
    isolation: str = "auto"  # "auto" (the jail, or refuse) or "none" (--no-isolation); see jail.py


class NoKernelError(RuntimeError):
    """Not even the first kernel started (too little memory, a broken installation): no grading at all."""


class _Stop(Exception):
    """Grading of this notebook ends early (out of time, or too many restarts); results so far stand."""


class _OutOfTime(_Stop):
    """The per-notebook limit is used up."""


def defines(source: str, name: str) -> bool:
    """Whether a cell's source defines `name` (def, class, or an assignment at the start of a line)."""
    return re.search(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*(?::[^=]*)?=(?!=)",
                     source, re.MULTILINE) is not None


def _asks_exit(reply) -> bool:
    """Whether a cell called exit() or quit(): the kernel stops shortly after its reply."""
    payload = reply.content.get("payload")
    return isinstance(payload, list) and any(isinstance(p, dict) and p.get("source") == "ask_exit" for p in payload)


def _first_line(source: str) -> str:
    line = source.strip().splitlines()[0]
    return clean(line if len(line) <= 50 else line[:47] + "...", 60)


class NotebookRun:
    """The grading of one submission. seed: where its hidden cases come from (never sent to the kernel)."""

    def __init__(self, submission: Submission, limits: Limits, seed: int, runtime_dir: str,
                 protect: tuple = ()):
        self.sub, self.limits, self.runtime_dir, self.seed = submission, limits, runtime_dir, seed
        self.protect = [runtime_dir, *protect]
        self.evaluations: dict[str, int] = {}
        self.failed_cells: list[tuple[int, str]] = []
        self.names = [task.function for task in submission.tasks]
        self.results: dict[str, dict] = {}
        self.fatal: set[str] = set()
        self.seen: dict[str, str | None] = {}
        self.completed: list[int] = []
        self.notes: list[str] = []
        self.kernel_seconds: list[float] = []
        self.kernel: SandboxKernel | None = None
        self.workdir = tempfile.mkdtemp(prefix="coursekit-grade-")
        if submission.data is not None:  # its own notebook, next to it (never the submissions folder)
            with open(f"{self.workdir}/{submission.local_name}", "wb") as handle:
                handle.write(submission.data)
        self.deadline = time.monotonic() + limits.notebook_timeout
        self.restarts = 0
        self.prepared: set[str] = set()
        self.out_of_time = False
        self.isolation = jail.choose(limits.isolation)  # IsolationError: refuse before any kernel starts

    # ---- the kernel ----------------------------------------------------------------------------

    def left(self) -> float:
        """Seconds left of the per-notebook limit."""
        return self.deadline - time.monotonic()

    def _start(self) -> None:
        self._limit(self.limits.startup_timeout)
        self.kernel = SandboxKernel(self.workdir, self.runtime_dir, self.limits.memory_mb, self.protect,
                                    self.isolation)
        self.kernel_seconds.append(self.kernel.start(min(self.limits.startup_timeout, max(self.left(), 1))))
        self.prepared = set()

    def _first_start(self) -> None:
        try:
            self._start()
        except KernelStartError as exc:
            memory = (f"; is --memory-mb {self.limits.memory_mb} enough? a kernel needs about {MIN_MEMORY_MB} MiB "
                      f"to start, {MIN_MEMORY_MB_TRANSFORMERS} MiB for exercises 01 and 02" if self.limits.memory_mb
                      else "")
            raise NoKernelError(f"{exc}{memory}") from None

    def _restart(self) -> None:
        """A fresh kernel with the completed cells replayed (a replayed cell that fails is dropped)."""
        while True:
            self.kernel.kill()
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise _Stop(f"The kernel was restarted {self.limits.max_restarts} times; grading stopped there.")
            self._start()
            if self._replay():
                return

    def _replay(self) -> bool:
        for index in list(self.completed):
            reply = self.kernel.execute(self.sub.cells[index], self._limit(self.limits.cell_timeout))
            if reply.ended or _asks_exit(reply):
                self.completed.remove(index)
                self.notes.append(f"code cell {index + 1} failed when it was run again after a restart; "
                                  f"it was left out.")
                return False
        self.seen.update(self._fingerprints() or {})
        return True

    def _limit(self, seconds: float) -> float:
        if self.left() <= 0:
            raise _OutOfTime(f"The notebook used up its {self.limits.notebook_timeout:g} s; grading stopped there.")
        return min(seconds, self.left())

    def _ask_fingerprints(self):
        """The reply to one silent request for the task names' fingerprints (in its expression "fp")."""
        names = json.dumps(self.names)
        return self.kernel.execute("", self._limit(self.limits.call_timeout), silent=True,
                                   user_expressions={"fp": f"{PROBE}.fingerprints(globals(), {names})"})

    def _fingerprints(self) -> dict | None:
        reply = self._ask_fingerprints()
        if reply.ended:
            self._restart()
            return None
        found = parse_json(reply.expression("fp")) if reply.status == "ok" else None
        return found if isinstance(found, dict) else None

    # ---- cells ---------------------------------------------------------------------------------

    def _run_cell(self, index: int) -> None:
        """Run one cell, then ask for the task names' fingerprints in a request of its own: a kernel
        that dies or hangs there was ended by the cell (exit(), a hook), which is dropped."""
        source = self.sub.cells[index]
        reply = self.kernel.execute(source, self._limit(self.limits.cell_timeout))
        if _asks_exit(reply):
            reply.status = "died"
        if not reply.ended:
            after = self._ask_fingerprints()
            reply = after if after.ended else reply
        if reply.ended:
            self.failed_cells.append((index, reply.status))
            self.notes.append(f"code cell {index + 1} ({_first_line(source)}) {self._stopped(reply.status)}; the "
                              f"rest of the notebook still ran.")
            self._restart()
            return
        self.completed.append(index)
        found = parse_json(after.expression("fp")) if after.status == "ok" else None
        if isinstance(found, dict):
            self._evaluate_changed(found)

    def _evaluate_changed(self, found: dict) -> None:
        for task in self.sub.tasks:
            now = found.get(task.function)
            if now is not None and now != self.seen.get(task.function):
                self.seen[task.function] = now
                self._evaluate(task)

    # ---- evaluations ---------------------------------------------------------------------------

    def _prepare(self, builder: str) -> None:
        if builder in PREPARED_BUILDERS and builder not in self.prepared:
            reply = self.kernel.execute("", self._limit(self.limits.cell_timeout), silent=True,
                                        user_expressions={"ready": f"{PROBE}.prepare({builder!r})"})
            if reply.ended:
                self._restart()
            self.prepared.add(builder)

    def _call(self, task, case) -> dict:
        if not self.kernel.alive():  # it died after the previous request: not this function's doing
            self._restart()
        expression = (f"{PROBE}.call(globals(), {task.function!r}, {task.builder!r}, "
                      f"{json.dumps(list(case.args))!r}, {task.observer!r})")
        reply = self.kernel.execute("", self._limit(self.limits.call_timeout), silent=True,
                                    user_expressions={"r": expression})
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
        self._prepare(task.builder)
        outcomes = collect(task, self.cases(task), lambda case, hidden: self._call(task, case),
                           self.limits.call_timeout)
        self.results[task.task_id] = judge(task, outcomes, 1, self.limits.call_timeout)
        killed = outcomes[-1].result.get("kind") in ENDS_EVALUATION
        (self.fatal.add if killed else self.fatal.discard)(task.task_id)
        if killed:
            self._restart()

    def _evaluate_final(self) -> None:
        found = self._fingerprints() or {}
        for task in self.sub.tasks:
            if task.task_id in self.fatal and found.get(task.function) == self.seen.get(task.function):
                continue  # it already ended the kernel once with this very function
            self.seen[task.function] = found.get(task.function)
            self._evaluate(task)

    # ---- the whole notebook ----------------------------------------------------------------------

    def run(self) -> dict:
        """Run the notebook and every evaluation; the report (see `report`). NoKernelError when the very
        first kernel does not start (the grader's set-up, not the notebook's doing)."""
        try:
            self._first_start()
            for index in range(len(self.sub.cells)):
                self._run_cell(index)
            self._evaluate_final()
        except _Stop as stop:
            self.notes.append(str(stop))
            self.out_of_time = isinstance(stop, _OutOfTime)
        except KernelStartError as exc:  # a restart that failed: the results so far stand
            self.notes.append(f"The grader could not run this notebook: {exc}.")
        finally:
            if self.kernel is not None:
                self.kernel.kill()
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.report()

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


def grade_submission(submission: Submission, limits: Limits = Limits(), seed: int | None = None,
                     protect: tuple = ()) -> dict:
    """Grade one readable submission in fresh sandbox kernels; the report (NotebookRun.report).

    seed: for reproducible hidden cases (an instructor's re-grade); by default a fresh secret one.
    protect: more paths the kernel may not open (the submissions, the gradebook and feedback).
    NoKernelError when no kernel could start at all.
    """
    runtime_dir = tempfile.mkdtemp(prefix="coursekit-kernels-")
    try:
        with reaper.batch():
            return NotebookRun(submission, limits, secrets.randbits(64) if seed is None else seed, runtime_dir,
                               protect).run()
    finally:
        shutil.rmtree(runtime_dir, ignore_errors=True)
