"""From what a function returned on each case to a task's result: status, points, message, hint.

Used by the grader (on values that came back from the graded kernel) and by the learner's
`coursekit.check` alike. Visible cases are described with their input, the expected value and the
returned one, each labelled; a hidden case is never described, and nothing the learner's code
produced on it is repeated (an exception's class name or message could carry the hidden input):
the learner reads "passes the visible checks but not a hidden one" and a nudge. A known wrong
answer gets its own feedback. The first failures get a nudge; the fuller hint comes only after
FULL_HINT_AFTER failed attempts. Text that came from the kernel is cleaned (safetext) before use.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compare import Mismatch, equal, show
from .registry import Case, Task
from .safetext import clean

PASSED, FAILED, NOT_ATTEMPTED, ERROR, TIMED_OUT = "passed", "failed", "not attempted", "error", "timed out"
FULL_HINT_AFTER = 2
PLACEHOLDER = "This exercise still has its placeholder: write your code where it says YOUR CODE HERE."
ENDS_EVALUATION = ("timeout", "died")  # the kernel was killed: the evaluation cannot go on


@dataclass
class Outcome:
    """One case and what came of it: a probe result {"kind": ...}, or {"kind": "timeout"} / {"kind": "died"}."""

    case: Case
    hidden: bool
    result: dict


def result_row(task: Task, status: str, message: str, hint: str = "") -> dict:
    """A task's result: {"task", "title", "status", "points", "max_points", "message", "hint"}."""
    return {"task": task.task_id, "title": task.title, "status": status,
            "points": int(status == PASSED), "max_points": 1, "message": message, "hint": hint}


def shown_input(task: Task, case: Case) -> str:
    """The input of a visible case as the learner would write it."""
    if case.shown is not None:
        return case.shown
    return ", ".join(f"{name} = {show(arg)}" for name, arg in zip(task.params, case.args))


def _untouched(task: Task, outcomes: list[Outcome]) -> bool:
    values = [o.result for o in outcomes]
    return bool(values) and all(r.get("kind") == "value" and task.untouched(r.get("value")) for r in values)


def misconception_message(task: Task, case: Case, got) -> str:
    """The feedback of the known wrong answer that `got` matches on `case`, or ""."""
    expected = task.reference(*case.args)
    for known in task.misconceptions:
        try:
            wrong = known.answer(*case.args)
        except Exception:
            continue
        if not equal(wrong, expected) and task.compare(wrong, got) is None:
            return known.message
    return ""


def _problem(task: Task, outcome: Outcome, limit_s: float) -> tuple[str, str] | None:
    """(status, what went wrong) for one case, or None when it passes. For a hidden case nothing the
    kernel sent is repeated."""
    result, kind, hidden = outcome.result, outcome.result.get("kind"), outcome.hidden
    if kind == "timeout":
        return TIMED_OUT, (f"{task.call} ran for more than {limit_s:g} s on a small input: look for a loop "
                           f"that never ends.")
    if kind == "died":
        return ERROR, (f"The Python process ended while running {task.call} (os._exit, a crash, or more "
                       f"memory than allowed).")
    if kind == "too_big":
        return FAILED, f"{task.call} returned too much data (more than 1 MiB): return plain values."
    if kind == "not_callable":
        what = "something else" if hidden else clean(result.get("type", "something"), 80)
        return FAILED, f"`{task.function}` is {what}, not a function."
    if kind == "raised":
        if hidden:
            return ERROR, f"{task.call} raised an error on a hidden input."
        return ERROR, f"{task.call} raised {clean(result.get('error', ''))}"
    if kind == "unserializable":
        what = "a value that is not plain data" if hidden else clean(result.get("error", "an object"))
        return FAILED, f"{task.call} returned {what}: return plain values (numbers, strings, True/False, lists, dicts)."
    if kind == "grader_error":
        what = "" if hidden else f" ({clean(result.get('error', ''))})"
        return ERROR, (f"The check could not build its inputs{what}: a problem of the course's set-up, not of "
                       f"your code.")
    if kind != "value":
        return ERROR, "The grader could not read what your function returned."
    return _compare(task, outcome)


def _compare(task: Task, outcome: Outcome) -> tuple[str, str] | None:
    got = outcome.result.get("value")
    try:
        mismatch = task.compare(task.reference(*outcome.case.args), got)
        known = misconception_message(task, outcome.case, got) if mismatch else ""
    except Exception as exc:  # a comparator must survive any untrusted value
        mismatch, known = Mismatch("?", show(got), f"the grader could not compare it ({type(exc).__name__})"), ""
    if mismatch is None:
        return None
    if outcome.hidden:
        return FAILED, known
    lines = [f"  expected: {mismatch.expected}", f"  got:      {mismatch.got}"]
    lines += [f"  ({mismatch.detail})"] if mismatch.detail else []
    return FAILED, "\n".join(lines + ([known] if known else []))


def _describe(task: Task, outcome: Outcome, what: str) -> str:
    if outcome.hidden:
        head = "Your answer passes the visible checks but not a hidden one."
        return f"{head}\n{what}" if what else head
    case = outcome.case
    title = f"{task.call}: {case.label}" if case.label else task.call
    return f"{title}\n  input:    {shown_input(task, case)}\n{what}"


def hint_for(task: Task, attempts: int) -> str:
    """The nudge, plus the fuller hint once `attempts` failed attempts exceed FULL_HINT_AFTER."""
    return task.nudge if attempts <= FULL_HINT_AFTER else f"{task.nudge} {task.hint}"


def collect(task: Task, cases: list[tuple[Case, bool]], run_case) -> list[Outcome]:
    """Run every one of `cases` ((case, hidden), visible first) through `run_case(case, hidden) -> result`,
    in order, whatever each returns: what the kernel sees never depends on whether an answer was
    right. Only a call that ended the kernel (timed out, died) ends the evaluation there."""
    outcomes = []
    for case, hidden in cases:
        outcomes.append(Outcome(case, hidden, run_case(case, hidden)))
        if outcomes[-1].result.get("kind") in ENDS_EVALUATION:
            break
    return outcomes


def judge(task: Task, outcomes: list[Outcome], attempts: int = 1, limit_s: float = 10) -> dict:
    """The task's result from its outcomes (visible first): {"task", "title", "status", "points",
    "max_points", "message", "hint"}. attempts: failed attempts so far, this one included.
    limit_s: the per-call time limit (named when a call timed out)."""
    if any(o.result.get("kind") == "missing" for o in outcomes):
        return result_row(task, NOT_ATTEMPTED, f"The notebook defines no `{task.function}`. {PLACEHOLDER}")
    if _untouched(task, outcomes):
        return result_row(task, NOT_ATTEMPTED, PLACEHOLDER)
    for outcome in outcomes:
        problem = _problem(task, outcome, limit_s)
        if problem is not None:
            status, what = problem
            return result_row(task, status, _describe(task, outcome, what), hint_for(task, attempts))
    visible = sum(not o.hidden for o in outcomes)
    return result_row(task, PASSED, f"All checks pass ({visible} visible, {len(outcomes) - visible} hidden).")
