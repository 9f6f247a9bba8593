"""Direct unit tests of verdict.collect: a call that ended the kernel ends the evaluation there."""

from __future__ import annotations

import pytest

from coursekit.tasks import verdict
from coursekit.tasks.registry import get_task


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
