"""`coursekit grade`: bad input gets one clear line on stderr and exit code 2, never a traceback;
limits must be positive; one file prints its report (text or JSON)."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit.cli import main as coursekit_main

ROOT = Path(__file__).resolve().parents[2]


def _schema_invalid(path):
    path.write_text(json.dumps({"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def _unidentified(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, path)


BAD_INPUTS = {
    "nonexistent path": ("missing/05_x.ipynb", None, "no such file or folder"),
    "folder without notebooks": ("empty", lambda p: p.mkdir(), "no notebooks"),
    "text file": ("notes.txt", lambda p: p.write_text("my answers: 42\n"), "invalid JSON"),
    "invalid JSON": ("05_bad.ipynb", lambda p: p.write_text('{"cells": [}'), "invalid JSON"),
    "JSON but not a notebook": ("05_list.ipynb", lambda p: p.write_text("[1, 2]"), "without notebook cells"),
    "schema-invalid notebook": ("05_schema.ipynb", _schema_invalid, "not a valid Jupyter notebook"),
    "not identifiable": ("homework.ipynb", _unidentified, "cannot tell which exercise this is"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_code_2(case, tmp_path, capsys):
    name, make, phrase = BAD_INPUTS[case]
    path = tmp_path / name
    if make:
        make(path)
    assert coursekit_main(["grade", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase in lines[0], captured.err


@pytest.mark.parametrize("option,value", [("--cell-timeout", "0"), ("--cell-timeout", "-5"),
                                          ("--notebook-timeout", "0"), ("--call-timeout", "-1"),
                                          ("--jobs", "0"), ("--memory-mb", "10"), ("--memory-mb", "1024")])
def test_limits_must_be_positive(option, value, capsys):
    exercise = str(ROOT / "exercises" / "05_troubleshooting_overfitting.ipynb")
    assert coursekit_main(["grade", exercise, option, value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {option}") and len(err.splitlines()) == 1


def test_a_bad_file_from_the_command_line_has_no_traceback(tmp_path):
    (tmp_path / "05_bad.ipynb").write_text("not json")
    done = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(tmp_path / "05_bad.ipynb")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {tmp_path / '05_bad.ipynb'}: not a notebook: invalid JSON "
                                                f"(line 1: Expecting value)"]


def test_too_little_memory_for_a_kernel_is_an_error_naming_memory_mb_never_a_silent_zero():
    from coursekit.grader.gradebook import grade_file
    from coursekit.grader.runner import Limits

    report = grade_file(ROOT / "exercises" / "05_troubleshooting_overfitting.ipynb", limits=Limits(memory_mb=600))
    assert report["score"] == 0 and "did not start" in report["error"] and "--memory-mb 600" in report["error"]


def test_a_gradebook_path_that_is_a_folder_is_one_line_before_any_grading(tmp_path, capsys):
    (tmp_path / "grades.csv").mkdir()
    exercise = str(ROOT / "exercises" / "05_troubleshooting_overfitting.ipynb")
    assert coursekit_main(["grade", exercise, "--out", str(tmp_path / "grades.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "is a folder" in err and len(err.splitlines()) == 1


def test_without_bubblewrap_or_landlock_grade_refuses_and_says_how_to_enable_one(monkeypatch, capsys):
    from coursekit.grader import jail

    monkeypatch.setattr(jail, "bubblewrap_works", lambda: False)
    monkeypatch.setattr(jail, "landlock_abi", lambda: 0)
    exercise = str(ROOT / "exercises" / "05_troubleshooting_overfitting.ipynb")
    for asked in ([], ["--isolation", "landlock"], ["--isolation", "bubblewrap"]):
        assert coursekit_main(["grade", exercise, *asked]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error: coursekit grade refuses"), err
        assert "apt-get install bubblewrap" in err and "Landlock" in err and "--no-isolation" in err


def test_the_report_names_the_isolation_it_ran_under(capsys, grading_seed):
    from coursekit.grader import jail

    if not jail.landlock_abi():
        pytest.skip("Landlock is not available here")
    solution = str(ROOT / "solutions" / "05_troubleshooting_overfitting.ipynb")
    assert coursekit_main(["grade", solution, "--isolation", "landlock", "--seed", str(grading_seed)]) == 0
    printed = capsys.readouterr().out
    assert printed.rstrip().endswith("total: 3/3\nisolation: landlock"), printed
