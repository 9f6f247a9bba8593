"""Exercises: generated from solutions and in sync; solutions score full marks; untouched exercises
score zero cleanly; learner mistakes become feedback, never a crash."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from coursekit.grader import grading
from coursekit.cli import main as coursekit_main
from coursekit.tooling.exercises import exercise_from_solution, strip_solutions
from coursekit.grader.run import grade_notebook, task_ids_for

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
def test_each_solution_checks_at_least_three_tasks_of_its_lesson(solution):
    sources = "\n".join(cell.source for cell in nbformat.read(solution, as_version=4).cells)
    checked = re.findall(r'coursekit\.check\("([^"]+)"', sources)
    assert len(checked) >= 3
    assert sorted(checked) == sorted(task_ids_for(solution))


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_solutions_score_full_marks(solution):
    report = grade_notebook(solution)
    assert report["score"] == report["max_score"] >= 3, report


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_untouched_exercises_run_to_the_end_and_score_zero(solution, tmp_path):
    exercise = ROOT / "exercises" / solution.name
    copy = tmp_path / exercise.name
    copy.write_text(exercise.read_text())
    report = grade_notebook(copy)
    assert report["score"] == 0
    assert {row["status"] for row in report["tasks"]} == {"not attempted"}


def test_strip_solutions_keeps_indentation_and_code_around():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n"
    assert strip_solutions(source) == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    ...\n"
    with pytest.raises(ValueError, match="unbalanced"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_feedback_shows_expected_got_and_hint(capsys):
    grading.check("05-best-epoch", lambda rows: rows[0]["epoch"])
    assert grading.RESULTS["05-best-epoch"]["status"] == "failed"
    printed = capsys.readouterr().out
    assert "[NOT YET]" in printed and "expected: 2.0" in printed and "got:      1.0" in printed
    assert "hint: the epoch of the row with the lowest validation_loss" in printed


def test_hidden_checks_are_not_revealed():
    result = grading.run_task("05-best-epoch", lambda rows: 2.0)  # hard-coded: passes the visible check
    assert result["status"] == "failed"
    assert result["message"].startswith("Your answer passes the visible checks but not a hidden one.")
    assert "0.5" not in result["message"] and "last epoch" not in result["message"].split("hint:")[0]


@pytest.mark.parametrize("answer,expected", [
    ("compute_metrics", "expected a function, got str"),
    (lambda rows: 1 / 0, "raised ZeroDivisionError"),
    (lambda rows: "two", "got:      two"),
])
def test_wrong_types_and_exceptions_become_feedback(answer, expected):
    result = grading.run_task("05-best-epoch", answer)
    assert result["status"] == "failed" and expected in result["message"]


def test_an_endless_loop_becomes_feedback(monkeypatch):
    monkeypatch.setattr(grading, "CHECK_TIMEOUT_S", 1)

    def forever(rows):
        while True:
            pass

    result = grading.run_task("05-best-epoch", forever)
    assert result["status"] == "failed" and "loop that never ends" in result["message"]


def test_unknown_task_names_the_tasks():
    with pytest.raises(grading.UnknownTaskError, match="05-best-epoch"):
        grading.run_task("05-best", None)


def test_grade_survives_a_broken_notebook_and_prints_json(tmp_path, capsys):
    nb = nbformat.read(ROOT / "solutions" / "05_troubleshooting_overfitting.ipynb", as_version=4)
    broken = nbformat.v4.new_code_cell("while True:\n    pass")
    raising = nbformat.v4.new_code_cell("raise RuntimeError('learner bug')")
    nb.cells.insert(2, broken)
    nb.cells.insert(3, raising)
    path = tmp_path / "05_learner.ipynb"
    nbformat.write(nb, path)
    report = grade_notebook(path, cell_timeout=5)
    assert report["score"] == 3  # the rest of the notebook still ran and was graded
    assert coursekit_main(["grade", str(path), "--json", "--cell-timeout", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["max_score"] == 3
