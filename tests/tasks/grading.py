"""What the task test files share: grade an answer in-process through the grader's own path (the probe,
collect, judge) and draw a task's hidden cases from fixed seeds."""

import json
import random

from coursekit.sandbox.probe import invoke
from coursekit.tasks.registry import Case, get_task
from coursekit.tasks.verdict import collect, judge

SEEDS = range(200)


def grade(task_id, answer, *inputs, hidden=False):
    """The verdict on `answer` over cases built from `inputs` (each a tuple of arguments), in the
    grader's order, through the same probe as the learner's check."""
    task = get_task(task_id)

    def run(case, is_hidden):
        return invoke(answer, task.builder, json.loads(json.dumps(list(case.args))), task.observer)

    return judge(task, collect(task, [(Case(args), hidden) for args in inputs], run))


def feedback(task_id, answer, *inputs):
    result = grade(task_id, answer, *inputs)
    assert result["status"] == "failed", result
    return result["message"]


def hidden_draws(task_id, count=200):
    task = get_task(task_id)
    return [task.hidden(random.Random(seed)) for seed in range(count)]


def caught(task, answer, case) -> bool:
    return task.compare(task.reference(*case.args), answer(*case.args)) is not None
