"""`coursekit.check(task_id, fn)`: feedback in the learner's own notebook, while they work.

The learner's function runs here, in the learner's process, on the task's visible cases and on
hidden cases drawn fresh at every call; its return values go through the same conversion to plain
data and the same comparison as in the grader. Feedback shows expected and got for a visible case,
only "passes the visible checks but not a hidden one" and a nudge for a hidden one, and the fuller
hint after repeated failed attempts (counted per task in this process). It never crashes on
learner code: exceptions, odd return types and endless loops (SIGALRM, in the main thread) become
feedback. This is for learning, not for scores: `coursekit grade` computes those out of reach.
"""

from __future__ import annotations

import json
import random
import secrets
import signal
import threading

from ..lesson.feedback import NOTE, RIGHT, WRONG, show_feedback
from ..sandbox import probe
from .registry import get_task
from .verdict import NOT_ATTEMPTED, PASSED, Outcome, collect, judge

CHECK_TIMEOUT_S = 10
FAILED_ATTEMPTS: dict[str, int] = {}
_MARKS = {PASSED: "PASSED", NOT_ATTEMPTED: "NOT ATTEMPTED"}
_TONES = {PASSED: RIGHT, NOT_ATTEMPTED: NOTE}


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that `except Exception` in learner code lets it through."""


def _with_timeout(function, seconds: float):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        return function()

    def alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_case(task, answer):
    def run(case, hidden: bool) -> dict:
        try:
            fresh = json.loads(json.dumps(list(case.args)))  # the learner may change its inputs in place
            return _with_timeout(lambda: probe.invoke(answer, task.builder, fresh, task.observer,
                                                      reraise=(_Timeout,)), CHECK_TIMEOUT_S)
        except _Timeout:
            return {"kind": "timeout"}

    return run


def outcomes_for(task, answer, rng: random.Random) -> list[Outcome]:
    """Run `answer` on the visible cases, then on fresh hidden ones (all of them; a timeout ends it)."""
    for name in (task.builder, task.observer):  # a slow first import must not count against the learner
        probe.prepare(name)
    cases = [(case, False) for case in task.visible] + [(case, True) for case in task.hidden_cases(rng)]
    return collect(task, cases, _run_case(task, answer))


def run_task(task_id: str, answer, seed: int | None = None) -> dict:
    """Check `answer` for `task_id` without printing: {"task", "title", "status", "points", "message", "hint"}.
    seed: of the hidden cases (a test's, to replay a failure); fresh at every call by default."""
    task = get_task(task_id)
    outcomes = outcomes_for(task, answer, random.Random(secrets.randbits(64) if seed is None else seed))
    result = judge(task, outcomes, FAILED_ATTEMPTS.get(task_id, 0) + 1, CHECK_TIMEOUT_S)
    if result["status"] not in (PASSED, NOT_ATTEMPTED):
        FAILED_ATTEMPTS[task_id] = FAILED_ATTEMPTS.get(task_id, 0) + 1
    return result


def check(task_id: str, answer) -> None:
    """Check the learner's `answer` to exercise `task_id` and print feedback.

    task_id: the exercise, e.g. "02-compute-metrics". answer: the learner's function.
    """
    result = run_task(task_id, answer)
    mark = _MARKS.get(result["status"], "NOT YET")
    hint = f"\nhint: {result['hint']}" if result["hint"] else ""
    show_feedback(_TONES.get(result["status"], WRONG), f"[{mark}] {result['title']}", f"{result['message']}{hint}")
