"""Exercise checks with feedback, and the grade report.

In a notebook the learner calls `coursekit.check("02-compute-metrics", compute_metrics)`. Every
expectation of that task runs (visible ones first, then hidden ones); the learner sees feedback on
the first that fails — what was expected, what they returned, and a hint — and a hidden
expectation is never described. Exceptions, wrong types and endless loops in learner code become
feedback, never a crash. Results are kept in RESULTS, which `coursekit grade` reads.
"""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import dataclass
from typing import Callable

from ..errors import CourseError

CHECK_TIMEOUT_S = 10
NOT_ATTEMPTED = "not attempted"


class UnknownTaskError(CourseError, KeyError):
    """A task id with no checks."""

    def __str__(self) -> str:
        return str(self.args[0])


class NotAttempted(Exception):
    """Raised by a check when the learner's code is still the placeholder."""


@dataclass
class Expectation:
    """One thing a solution must do: `run(answer)` returns (ok, expected, got) or raises."""

    description: str
    run: Callable
    hint: str
    hidden: bool = False


@dataclass
class Task:
    """An exercise: an id like "02-compute-metrics", a title, and its expectations in order."""

    task_id: str
    title: str
    expectations: list[Expectation]


TASKS: dict[str, Task] = {}
RESULTS: dict[str, dict] = {}


def task(task_id: str, title: str, expectations: list[Expectation]) -> Task:
    """Register an exercise's checks under `task_id` (used by coursekit.exercise_tasks)."""
    TASKS[task_id] = Task(task_id, title, expectations)
    return TASKS[task_id]


class _Timeout(Exception):
    pass


def _with_timeout(function, seconds: int):
    # SIGALRM works only in the main thread (where a kernel runs cells); elsewhere run unguarded.
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        return function()

    def alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return function()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _evaluate(expectation: Expectation, answer) -> tuple[str, str]:
    """(status, message) for one expectation: status is passed, failed or not attempted."""
    try:
        ok, expected, got = _with_timeout(lambda: expectation.run(answer), CHECK_TIMEOUT_S)
    except NotAttempted:
        return NOT_ATTEMPTED, "This exercise still has its placeholder: write your code where it says YOUR CODE HERE."
    except _Timeout:
        return "failed", (f"Your code ran for more than {CHECK_TIMEOUT_S} s on a tiny input: look for a loop "
                          f"that never ends.")
    except Exception as exc:  # learner code may raise anything; it must become feedback
        return "failed", f"Your code raised {type(exc).__name__}: {exc}"
    if ok:
        return "passed", ""
    if expectation.hidden:
        return "failed", "Your answer passes the visible checks but not a hidden one."
    return "failed", f"{expectation.description}\n  expected: {expected}\n  got:      {got}"


def registered_tasks() -> dict[str, Task]:
    """Every exercise's Task by id (importing coursekit.exercise_tasks registers them)."""
    from . import exercise_tasks  # noqa: F401

    return TASKS


def run_task(task_id: str, answer) -> dict:
    """Run every expectation of `task_id` on `answer`; returns {"task", "title", "status", "message"}."""
    if task_id not in registered_tasks():
        raise UnknownTaskError(f"No exercise {task_id!r}; the exercises are: {', '.join(sorted(TASKS))}.")
    current = TASKS[task_id]
    for expectation in current.expectations:
        status, message = _evaluate(expectation, answer)
        if status != "passed":
            hint = "" if status == NOT_ATTEMPTED else f"\n  hint: {expectation.hint}"
            return {"task": task_id, "title": current.title, "status": status, "message": message + hint}
    return {"task": task_id, "title": current.title, "status": "passed", "message": "All checks pass."}


def check(task_id: str, answer) -> None:
    """Check the learner's `answer` to exercise `task_id`, print feedback, and record it in RESULTS.

    task_id: the exercise, e.g. "02-compute-metrics". answer: the learner's function.
    """
    result = run_task(task_id, answer)
    RESULTS[task_id] = result
    mark = {"passed": "PASSED", "failed": "NOT YET", NOT_ATTEMPTED: "NOT ATTEMPTED"}[result["status"]]
    print(f"[{mark}] {result['title']}\n{result['message']}")


def report(task_ids: list[str]) -> dict:
    """Score per task (1 or 0) and the total, from RESULTS; tasks never checked are not attempted."""
    rows = []
    for task_id in task_ids:
        result = RESULTS.get(task_id) or {"task": task_id, "title": registered_tasks()[task_id].title,
                                          "status": NOT_ATTEMPTED, "message": "The check was never run."}
        rows.append({**result, "score": int(result["status"] == "passed")})
    return {"tasks": rows, "score": sum(r["score"] for r in rows), "max_score": len(rows)}


def report_json(task_ids: list[str]) -> str:
    """`report` as one line of JSON (what `coursekit grade` reads back from the kernel)."""
    return json.dumps(report(task_ids))
