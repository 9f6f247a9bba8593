"""Exercises are generated from the solutions and in sync; every solution scores full marks and every
untouched exercise scores zero, each task "not attempted", when graded in sandboxed kernels."""

import re
from pathlib import Path

import nbformat
import pytest

from coursekit.grader.gradebook import grade_many
from coursekit.grader.runner import Limits
from coursekit.grader.submission import exercise_of
from coursekit.tasks.registry import tasks_for
from coursekit.tooling.exercises import exercise_from_solution, strip_solutions

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


def test_every_lesson_has_a_solution_and_an_exercise():
    assert [p.name for p in SOLUTIONS] == [p.name for p in LESSONS]
    assert [p.name for p in sorted((ROOT / "exercises").glob("*.ipynb"))] == [p.name for p in LESSONS]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_exercises_are_in_sync_with_solutions(solution):
    committed = (ROOT / "exercises" / solution.name).read_text()
    generated = nbformat.writes(exercise_from_solution(solution)) + "\n"
    assert committed == generated, "exercises/ is stale: run `coursekit exercises build`"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_each_notebook_names_its_exercise_and_checks_every_task(solution):
    nb = nbformat.read(solution, as_version=4)
    assert nb.metadata["coursekit"] == {"exercise": solution.name[:2]}
    assert exercise_of(Path("renamed.ipynb"), nb.metadata) == solution.name[:2]
    sources = "\n".join(cell.source for cell in nb.cells)
    checked = re.findall(r'coursekit\.check\("([^"]+)", (\w+)\)', sources)
    assert [task_id for task_id, _ in checked] == [task.task_id for task in tasks_for(solution.name[:2])]
    assert all(function == tasks_for(solution.name[:2])[i].function for i, (_, function) in enumerate(checked))


def test_strip_solutions_keeps_indentation_and_code_around():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n"
    assert strip_solutions(source) == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    ...\n"
    with pytest.raises(ValueError, match="unbalanced"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")


@pytest.fixture(scope="module")
def graded(grading_seed):
    """Every solution and every exercise, graded in one batch, two at a time."""
    items = [(path, f"solutions/{path.name}") for path in SOLUTIONS]
    items += [(ROOT / "exercises" / path.name, f"exercises/{path.name}") for path in SOLUTIONS]
    return {report["submission"]: report for report in grade_many(items, Limits(), jobs=2, seed=grading_seed)}


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_solutions_score_full_marks(graded, solution, replay):
    report = graded[f"solutions/{solution.name}"]
    assert report["score"] == report["max_score"] == 3, (report, replay)
    assert report["notes"] == []


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_untouched_exercises_run_to_the_end_and_score_zero(graded, solution, replay):
    report = graded[f"exercises/{solution.name}"]
    assert report["score"] == 0 and report["max_score"] == 3, (report, replay)
    assert {row["status"] for row in report["tasks"]} == {"not attempted"}
    assert report["notes"] == [] and report["error"] is None


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_committed_solution_outputs_show_every_check_passing(solution):
    # nbval compares these outputs in `make test`: a stale "[NOT YET]" would fail there, or teach the wrong thing
    nb = nbformat.read(solution, as_version=4)
    checks = [cell for cell in nb.cells if cell.cell_type == "code" and "coursekit.check(" in cell.source]
    printed = ["".join(out.get("text", "") or out.get("data", {}).get("text/plain", "") for out in cell.outputs)
               for cell in checks]  # a check shows HTML with its report as text/plain
    assert printed and all(text.startswith("[PASSED] ") for text in printed), printed


@pytest.mark.skipif(not __import__("coursekit.grader.jail", fromlist=["jail"]).landlock_abi(),
                    reason="Landlock is not available here")
def test_solutions_score_full_marks_under_landlock_too(grading_seed, replay):
    # where no bubblewrap jail can start, the Landlocked kernel must still run every lesson's solution
    items = [(path, f"solutions/{path.name}") for path in SOLUTIONS]
    reports = grade_many(items, Limits(isolation="landlock"), jobs=2, seed=grading_seed)
    assert [(report["score"], report["isolation"]) for report in reports] == [(3, "landlock")] * len(items), \
        (reports, replay)
