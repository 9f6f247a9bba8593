"""What a graded task is, and the registry of all of them.

Each lesson's tasks live in a module of this package named `lessonNN.py` (two digits), which calls
`register(...)` when it is imported; `all_tasks()` imports every such module it finds here, so a
new lesson's tasks need nothing but their own module.

A Task names the learner's function in the notebook, how the kernel builds its inputs from plain
data (a probe builder), its visible cases (fixed inputs the learner may see), a generator of hidden
cases (fresh random inputs at every evaluation, from a seed the notebook never sees), the reference
solution (plain Python, never run inside a graded kernel), a comparator that states its tolerance,
known wrong answers with the feedback each deserves, a nudge and a fuller hint.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import CourseError

HIDDEN_CASES = 5
LESSON_MODULE = re.compile(r"lesson\d\d")  # the name of a module that registers one lesson's tasks


class UnknownTaskError(CourseError, KeyError):
    """A task id with no checks."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Case:
    """One input: `args` (plain data the probe builder turns into the function's arguments) and
    `label` (what it checks, shown with visible cases); `shown` replaces the default input display."""

    args: tuple
    label: str = ""
    shown: str | None = None


@dataclass(frozen=True)
class Misconception:
    """A known wrong answer: `answer(*case.args)` is what it returns; `message` is its feedback."""

    answer: Callable[..., Any]
    message: str


@dataclass(frozen=True)
class Task:
    """One graded exercise task; see the module docstring. `params` names the function's arguments
    (for showing inputs); `untouched(value)` tells a placeholder's return value apart; `hidden_count`
    is how many hidden cases each evaluation draws (more where an answer is one of few values)."""

    task_id: str
    title: str
    function: str
    params: tuple[str, ...]
    builder: str
    reference: Callable[..., Any]
    compare: Callable[[Any, Any], Any]
    visible: tuple[Case, ...]
    hidden: Callable[[random.Random], Case]
    nudge: str
    hint: str
    observer: str = "value"
    misconceptions: tuple[Misconception, ...] = ()
    untouched: Callable[[Any], bool] = field(default=lambda value: value is None)
    hidden_count: int = HIDDEN_CASES

    @property
    def lesson(self) -> str:
        """The two-digit lesson number, "05" for "05-best-epoch"."""
        return self.task_id[:2]

    @property
    def call(self) -> str:
        """How the function is called, e.g. "best_epoch(rows)"."""
        return f"{self.function}({', '.join(self.params)})"

    def hidden_cases(self, rng: random.Random, count: int | None = None) -> list[Case]:
        """`count` (default: the task's hidden_count) fresh hidden cases drawn with `rng`."""
        return [self.hidden(rng) for _ in range(self.hidden_count if count is None else count)]


TASKS: dict[str, Task] = {}


def register(*tasks: Task) -> None:
    """Add tasks to the registry (each lessonNN module registers its own)."""
    for task in tasks:
        TASKS[task.task_id] = task


def lesson_modules() -> list[str]:
    """The names of this package's lessonNN modules, in lesson order."""
    from . import __path__ as package_path

    return sorted(module.name for module in pkgutil.iter_modules(package_path)
                  if LESSON_MODULE.fullmatch(module.name))


def all_tasks() -> dict[str, Task]:
    """Every task by id, in lesson order (each lessonNN module imported once)."""
    for name in lesson_modules():
        importlib.import_module(f"{__package__}.{name}")
    return dict(sorted(TASKS.items(), key=lambda item: item[1].lesson))


def get_task(task_id: str) -> Task:
    """The task `task_id`; UnknownTaskError names the known ones."""
    tasks = all_tasks()
    if task_id not in tasks:
        raise UnknownTaskError(f"No exercise {task_id!r}; the exercises are: {', '.join(sorted(tasks))}.")
    return tasks[task_id]


def tasks_for(exercise: str) -> list[Task]:
    """The tasks of exercise notebook `exercise` ("05"), in the notebook's order."""
    return [task for task in all_tasks().values() if task.lesson == exercise]


def exercises() -> list[str]:
    """The exercise numbers that have tasks: ["01", ..., "05"]."""
    return sorted({task.lesson for task in all_tasks().values()})
