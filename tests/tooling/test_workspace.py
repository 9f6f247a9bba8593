"""The learner's workspace: made on the first run, never overwritten, new lessons added, ignored by git."""

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from coursekit.errors import CourseError
from coursekit.tooling.workspace import MANIFEST, WORKSPACE, course_notebooks, sync

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path):
    """A course folder with two lessons, one exercise and a file that is not a notebook."""
    root = tmp_path / "course"
    for relative in ("lessons/01_a.ipynb", "lessons/02_b.ipynb", "exercises/01_a.ipynb"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(json.dumps({"cells": [], "source": relative}))
    (root / "exercises" / "README.md").write_text("for contributors\n")
    return root


def test_first_run_copies_every_lesson_and_exercise(course, tmp_path):
    workspace = tmp_path / "mine"
    report = sync(course, workspace)
    assert report.created
    assert report.added == ["lessons/01_a.ipynb", "lessons/02_b.ipynb", "exercises/01_a.ipynb"]
    for relative in report.added:
        assert (workspace / relative).read_bytes() == (course / relative).read_bytes()
    assert not (workspace / "exercises" / "README.md").exists()  # the contributors' note stays in the course
    assert "git pull" in (workspace / "README.md").read_text()
    assert sorted(json.loads((workspace / MANIFEST).read_text())) == sorted(report.added)


def test_the_learners_work_is_never_overwritten_and_new_lessons_are_added(course, tmp_path):
    workspace = tmp_path / "mine"
    sync(course, workspace)
    (workspace / "lessons" / "01_a.ipynb").write_text("my edits")
    (workspace / "README.md").write_text("my notes")
    (workspace / "lessons" / "02_b.ipynb").unlink()  # to start lesson 02 afresh
    (course / "lessons" / "03_c.ipynb").write_text("{}")  # a git pull brought lesson 03

    report = sync(course, workspace)
    assert not report.created and report.changed == []
    assert report.added == ["lessons/02_b.ipynb", "lessons/03_c.ipynb"]
    assert (workspace / "lessons" / "01_a.ipynb").read_text() == "my edits"
    assert (workspace / "README.md").read_text() == "my notes"
    assert sync(course, workspace).added == []


def test_a_lesson_the_course_changed_is_named_but_the_copy_is_kept(course, tmp_path):
    workspace = tmp_path / "mine"
    sync(course, workspace)
    (workspace / "lessons" / "01_a.ipynb").write_text("my edits")
    (course / "lessons" / "01_a.ipynb").write_text("fixed upstream")
    report = sync(course, workspace)
    assert report.changed == ["lessons/01_a.ipynb"] and report.added == []
    assert (workspace / "lessons" / "01_a.ipynb").read_text() == "my edits"
    assert "rename or delete your copy" in report.lines()[0]


def test_a_folder_without_the_course_gets_a_message(tmp_path):
    with pytest.raises(CourseError, match="no lessons/ or exercises/: run this in the course's folder"):
        sync(tmp_path, tmp_path / "mine")
    assert not (tmp_path / "mine").exists()


def test_the_real_course_is_copied_whole():
    notebooks = course_notebooks(ROOT)
    assert {path.split("/")[0] for path in notebooks} == {"lessons", "exercises"}
    assert sorted(path.name for path in (ROOT / "lessons").glob("*.ipynb")) == \
        sorted(path.split("/")[1] for path in notebooks if path.startswith("lessons/"))


@pytest.mark.parametrize("path", [f"{WORKSPACE}/README.md", f"{WORKSPACE}/{MANIFEST}",
                                  f"{WORKSPACE}/lessons/02_text_classification.ipynb",
                                  f"{WORKSPACE}/lessons/outputs/02_text_classification/model/model.safetensors",
                                  f"{WORKSPACE}/exercises/05_troubleshooting_overfitting.ipynb"])
def test_git_ignores_the_workspace_and_what_lessons_write_there(path):
    # lessons write outputs/ next to themselves (the kernel runs in the notebook's folder)
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "-q", path])
    assert ignored.returncode == 0, f"{path} is not ignored by .gitignore"


@pytest.mark.parametrize("lesson", sorted((ROOT / "lessons").glob("*.ipynb")), ids=lambda p: p.name)
def test_lessons_write_outputs_next_to_themselves(lesson):
    # a relative outputs/ path lands in workspace/lessons/outputs/ for the learner's copy (JupyterLab runs
    # the kernel in the notebook's folder), never in the course's tracked files
    sources = [cell.source for cell in nbformat.read(lesson, as_version=4).cells if cell.cell_type == "code"]
    paths = [path for source in sources for path in re.findall(r"[\"']([^\"'\n]*outputs/[^\"'\n]*)[\"']", source)]
    if not paths:  # a lesson that keeps no file (the Keras appendix) must write none anywhere else either
        writes = re.findall(r"\.(?:save_pretrained|save_model|save_weights|to_csv|to_json|savefig)\(|"
                            r"open\([^)]*[\"'][wax]", "\n".join(sources))
        assert not writes, f"{lesson.name} writes files without an outputs/ path: {writes}"
    assert all(path.startswith("outputs/") for path in paths), paths
