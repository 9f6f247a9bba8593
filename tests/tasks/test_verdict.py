"""Direct unit tests of verdict: each kind of result and its message (visible and hidden), the order of cases,
hints, misconceptions, placeholders, and a call that ended the kernel ending the evaluation there."""

from __future__ import annotations

import dataclasses

import pytest

from coursekit.tasks import verdict
from coursekit.tasks.compare import exact
from coursekit.tasks.registry import Case, Misconception, Task, get_task
from coursekit.tasks.verdict import Outcome


@pytest.mark.parametrize("kind", ["timeout", "died"])
def test_a_call_that_ended_the_kernel_ends_the_evaluation(kind):
    task = get_task("05-best-epoch")
    cases = [(case, False) for case in task.visible]
    called = []

    def run(case, hidden):
        called.append(case)
        return {"kind": kind}

    outcomes = verdict.collect(task, cases, run)
    assert len(called) == len(outcomes) == 1
    status = verdict.judge(task, outcomes)["status"]
    assert status == (verdict.TIMED_OUT if kind == "timeout" else verdict.ERROR)


def test_other_results_do_not_end_the_evaluation():
    task = get_task("05-best-epoch")
    cases = [(case, False) for case in task.visible]
    outcomes = verdict.collect(task, cases, lambda case, hidden: {"kind": "raised", "error": "ValueError"})
    assert len(outcomes) == len(cases) > 1


# A task of our own, so each test states every input and message it checks: add(a, b), exact, one known wrong
# answer (a - b), one visible case with a label and one without.
def _subtract(a, b):
    return a - b


def _raises(a, b):
    raise ValueError("not this case")


ADD = Task("99-add", "Add two numbers", "add", ("a", "b"), "args", lambda a, b: a + b, exact,
           visible=(Case((1, 2), "small numbers"), Case((0.5, 2.25))), hidden=lambda rng: Case((rng.random(), 1)),
           nudge="Use +.", hint="Return a + b.",
           misconceptions=(Misconception(_raises, "never shown: it raises"),
                           Misconception(lambda a, b: a * 1 + b, "never shown: equal to the answer"),
                           Misconception(_subtract, "It looks like you subtracted.")))
VISIBLE, HIDDEN = ADD.visible[0], Case((5, 6))


def _judge(result: dict, hidden: bool = False, attempts: int = 1, limit_s: float = 10) -> dict:
    case = HIDDEN if hidden else VISIBLE
    return verdict.judge(ADD, [Outcome(case, hidden, result)], attempts, limit_s)


@pytest.mark.parametrize("result, status, message", [
    ({"kind": "timeout"}, verdict.TIMED_OUT, "add(a, b) ran for more than 7 s on a small input: look for a loop that "
                                             "never ends."),
    ({"kind": "died"}, verdict.ERROR, "The Python process ended while running add(a, b) (os._exit, a crash, or more "
                                      "memory than allowed)."),
    ({"kind": "too_big"}, verdict.FAILED, "add(a, b) returned too much data (more than 1 MiB): return plain values."),
    ({"kind": "not_callable", "type": "str"}, verdict.FAILED, "`add` is str, not a function."),
    ({"kind": "not_callable"}, verdict.FAILED, "`add` is something, not a function."),
    ({"kind": "raised", "error": "KeyError: 'x'"}, verdict.ERROR, "add(a, b) raised KeyError: 'x'"),
    ({"kind": "raised"}, verdict.ERROR, "add(a, b) raised "),
    ({"kind": "unserializable", "error": "a generator"}, verdict.FAILED,
     "add(a, b) returned a generator: return plain values (numbers, strings, True/False, lists, dicts)."),
    ({"kind": "unserializable"}, verdict.FAILED,
     "add(a, b) returned an object: return plain values (numbers, strings, True/False, lists, dicts)."),
    ({"kind": "grader_error", "error": "no tokenizer"}, verdict.ERROR,
     "The check could not build its inputs (no tokenizer): a problem of the course's set-up, not of your code."),
    ({"kind": "grader_error"}, verdict.ERROR,
     "The check could not build its inputs (): a problem of the course's set-up, not of your code."),
    ({"kind": "something new"}, verdict.ERROR, "The grader could not read what your function returned."),
    ({}, verdict.ERROR, "The grader could not read what your function returned."),
    ({"kind": "value", "value": 4}, verdict.FAILED, "  expected: 3\n  got:      4"),
    ({"kind": "value", "value": "3"}, verdict.FAILED, "  expected: 3\n  got:      '3'\n  (expected an int, got a string)"),
    ({"kind": "value", "value": -1}, verdict.FAILED, "  expected: 3\n  got:      -1\nIt looks like you subtracted."),
])
def test_each_visible_problem_is_described_with_its_case(result, status, message):
    row = _judge(result, limit_s=7)
    assert row == {"task": "99-add", "title": "Add two numbers", "status": status, "points": 0, "max_points": 1,
                   "message": f"add(a, b): small numbers\n  input:    a = 1, b = 2\n{message}", "hint": "Use +."}


@pytest.mark.parametrize("result, status, message", [
    ({"kind": "not_callable", "type": "SECRET"}, verdict.FAILED, "`add` is something else, not a function."),
    ({"kind": "raised", "error": "SECRET"}, verdict.ERROR, "add(a, b) raised an error on a hidden input."),
    ({"kind": "unserializable", "error": "SECRET"}, verdict.FAILED,
     "add(a, b) returned a value that is not plain data: return plain values (numbers, strings, True/False, lists, "
     "dicts)."),
    ({"kind": "grader_error", "error": "SECRET"}, verdict.ERROR,
     "The check could not build its inputs: a problem of the course's set-up, not of your code."),
    ({"kind": "value", "value": 12}, verdict.FAILED, ""),
    ({"kind": "value", "value": -1}, verdict.FAILED, "It looks like you subtracted."),
])
def test_a_hidden_problem_shows_neither_the_input_nor_what_came_back(result, status, message):
    row = _judge(result, hidden=True)
    head = "Your answer passes the visible checks but not a hidden one."
    assert (row["status"], row["message"]) == (status, f"{head}\n{message}" if message else head)


def test_a_case_without_a_label_is_titled_by_the_call_and_a_shown_input_replaces_the_arguments():
    outcome = Outcome(ADD.visible[1], False, {"kind": "value", "value": [2.75]})
    assert verdict.judge(ADD, [outcome])["message"] == ("add(a, b)\n  input:    a = 0.5, b = 2.25\n"
                                                        "  expected: 2.75\n  got:      [2.75]\n  (expected a float, got a list)")
    assert verdict.shown_input(ADD, Case((1, 2), shown="add(1, 2)")) == "add(1, 2)"


def test_a_comparator_that_fails_on_an_answer_is_a_failed_case_not_a_crash():
    def fragile(expected, got):
        raise TypeError("cannot compare")

    task = dataclasses.replace(ADD, compare=fragile)
    row = verdict.judge(task, [Outcome(VISIBLE, False, {"kind": "value", "value": 3})])
    assert row["status"] == verdict.FAILED
    assert row["message"].endswith("  expected: ?\n  got:      3\n  (the grader could not compare it (TypeError))")


def test_a_misconception_that_equals_the_answer_or_raises_is_never_named():
    assert verdict.misconception_message(ADD, VISIBLE, -1) == "It looks like you subtracted."
    assert verdict.misconception_message(ADD, VISIBLE, 4) == ""
    # 1 - 1 == 0 + 1 - 1: where the wrong rule gives the right answer, it is no diagnosis
    assert verdict.misconception_message(ADD, Case((1, 0)), 1) == ""


@pytest.mark.parametrize("attempts, hint", [(0, "Use +."), (1, "Use +."), (2, "Use +."), (3, "Use +. Return a + b."),
                                            (9, "Use +. Return a + b.")])
def test_the_fuller_hint_follows_the_nudge_after_two_failed_attempts(attempts, hint):
    assert verdict.hint_for(ADD, attempts) == hint
    assert _judge({"kind": "value", "value": 4}, attempts=attempts)["hint"] == hint


def test_passing_counts_visible_and_hidden_cases_and_earns_the_point():
    outcomes = [Outcome(case, False, {"kind": "value", "value": ADD.reference(*case.args)}) for case in ADD.visible]
    outcomes.append(Outcome(HIDDEN, True, {"kind": "value", "value": 11.0}))
    assert verdict.judge(ADD, outcomes, attempts=5) == {
        "task": "99-add", "title": "Add two numbers", "status": verdict.PASSED, "points": 1, "max_points": 1,
        "message": "All checks pass (2 visible, 1 hidden).", "hint": ""}


def test_the_first_problem_in_order_decides_the_result():
    outcomes = [Outcome(VISIBLE, False, {"kind": "value", "value": 3}),
                Outcome(ADD.visible[1], False, {"kind": "raised", "error": "first"}),
                Outcome(HIDDEN, True, {"kind": "timeout"})]
    assert verdict.judge(ADD, outcomes)["message"].endswith("add(a, b) raised first")


def test_a_missing_function_and_an_untouched_placeholder_are_not_attempted():
    placeholder = [Outcome(case, False, {"kind": "value", "value": None}) for case in ADD.visible]
    missing = placeholder[:1] + [Outcome(HIDDEN, True, {"kind": "missing"})]
    assert verdict.judge(ADD, missing) == verdict.result_row(
        ADD, verdict.NOT_ATTEMPTED, f"The notebook defines no `add`. {verdict.PLACEHOLDER}")
    assert verdict.judge(ADD, placeholder) == verdict.result_row(ADD, verdict.NOT_ATTEMPTED, verdict.PLACEHOLDER)
    assert verdict.judge(ADD, placeholder)["points"] == 0
    # one real answer among the placeholder's values: attempted, and judged
    touched = placeholder[:1] + [Outcome(ADD.visible[1], False, {"kind": "value", "value": 2.0})]
    assert verdict.judge(ADD, touched)["status"] == verdict.FAILED
    raised = [Outcome(VISIBLE, False, {"kind": "raised", "error": "E"})]
    assert verdict.judge(ADD, raised)["status"] == verdict.ERROR  # no value at all is not a placeholder


def test_collect_tells_run_case_which_cases_are_hidden_and_keeps_their_order():
    seen = []

    def run(case, hidden):
        seen.append((case, hidden))
        return {"kind": "value", "value": 0}

    cases = [(VISIBLE, False), (HIDDEN, True), (ADD.visible[1], False)]
    outcomes = verdict.collect(ADD, cases, run)
    assert seen == cases
    assert [(o.case, o.hidden, o.result) for o in outcomes] == [(c, h, {"kind": "value", "value": 0}) for c, h in cases]


def test_a_long_type_name_is_cut_to_80_characters():
    row = _judge({"kind": "not_callable", "type": "T" * 100})
    assert row["message"].endswith(f"`add` is {'T' * 80}..., not a function.")


def test_the_default_time_limit_named_is_ten_seconds():
    timed_out = verdict.judge(ADD, [Outcome(VISIBLE, False, {"kind": "timeout"})])
    assert "ran for more than 10 s on a small input" in timed_out["message"]
