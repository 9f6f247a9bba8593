"""What the task test files share: check an answer as the learner's check does (visible and hidden cases,
from a seed a failure prints), grade it in-process through the grader's own path on chosen cases (the
probe, collect, judge), and draw a task's hidden cases from fixed seeds."""

import json
import os
import random

from coursekit.sandbox.probe import invoke
from coursekit.tasks.check import run_task
from coursekit.tasks.registry import Case, get_task
from coursekit.tasks.verdict import collect, judge

SEEDS = range(200)
SEED = int(os.environ.get("COURSEKIT_GRADING_SEED") or random.SystemRandom().randrange(2**32))
REPLAY = f"(hidden cases from seed {SEED}: replay with COURSEKIT_GRADING_SEED={SEED})"


def _seed(task_id, answer) -> int:
    """The hidden cases' seed of one check: from SEED and what is checked, so one test replays alone."""
    return random.Random(f"{SEED}:{task_id}:{getattr(answer, '__qualname__', type(answer).__name__)}").randrange(2**64)


def passes(task_id, answer):
    result = run_task(task_id, answer, _seed(task_id, answer))
    assert result["status"] == "passed", (result, REPLAY)
    return result


def fails(task_id, answer, *phrases):
    result = run_task(task_id, answer, _seed(task_id, answer))
    assert result["status"] in ("failed", "error"), (result, REPLAY)
    for phrase in phrases:
        assert phrase in result["message"], (phrase, result["message"], REPLAY)
    return result


def grade(task_id, answer, *inputs, hidden=False):
    """The verdict on `answer` over cases built from `inputs` (Case objects or tuples of arguments), in
    the grader's order, through the same probe as the learner's check."""
    task = get_task(task_id)
    cases = [(given if isinstance(given, Case) else Case(tuple(given)), hidden) for given in inputs]

    def run(case, is_hidden):
        return invoke(answer, task.builder, json.loads(json.dumps(list(case.args))), task.observer)

    return judge(task, collect(task, cases, run))


def feedback(task_id, answer, *inputs):
    result = grade(task_id, answer, *inputs)
    assert result["status"] == "failed", result
    return result["message"]


def hidden_draws(task_id, count=200):
    task = get_task(task_id)
    return [task.hidden(random.Random(seed)) for seed in range(count)]


def caught(task, answer, case) -> bool:
    return task.compare(task.reference(*case.args), answer(*case.args)) is not None
