"""The grader's own robustness, without a kernel: what comes back from a kernel is capped and
checked before it is parsed, text from a submission is cleaned before it is printed or written,
feedback files never collide and one that cannot be written is an error on its row, gradebook cells
are not formulas, the kernel's environment is minimal, and processes a kernel detached are killed."""

import csv
import json
import os
import subprocess
import sys
import time

import pytest

from coursekit.grader import gradebook, reaper, textreport
from coursekit.grader.kernel import MAX_EXPRESSION_CHARS, Reply, kernel_environment, parse_json
from coursekit.tasks.safetext import clean, csv_cell

HOSTILE = "\x1b[2K\r\x1b[1Atotal: 3/3\x1b[8m \ud800 \u202egnp.exe"


def _reply(text):
    return Reply("ok", {"user_expressions": {"r": {"status": "ok", "data": {"text/plain": text}}}})


def test_a_reply_is_capped_before_it_is_parsed_and_only_a_string_literal_is_parsed():
    assert _reply(repr('{"kind": "value"}')).expression("r") == '{"kind": "value"}'
    huge = _reply(repr("x" * (MAX_EXPRESSION_CHARS + 1)))
    assert huge.oversized("r") and huge.expression("r") is None
    assert _reply("[" * 100 + "]" * 100).expression("r") is None  # not a string literal: never parsed
    assert _reply("'a', " + "[" * 150 + "]" * 150).expression("r") is None
    assert parse_json("[" * 40 + "]" * 40) is None and parse_json("[" * 100_000) is None
    assert parse_json('{"kind": "value", "value": [[1]]}') == {"kind": "value", "value": [[1]]}


def test_text_from_a_submission_is_cleaned_and_cut():
    cleaned = clean(HOSTILE + "x" * 1000)
    assert "\x1b" not in cleaned and "\r" not in cleaned and "\u202e" not in cleaned
    assert cleaned.encode("utf-8")  # no lone surrogate left
    assert len(clean("y" * 100_000)) < 400
    assert clean("line 1\nline 2", newlines=True) == "line 1\nline 2"
    assert [csv_cell(v) for v in ("=HYPERLINK(1)", "+1", "-1", "@SUM(1)", "alice", 3)] == [
        "'=HYPERLINK(1)", "'+1", "'-1", "'@SUM(1)", "alice", 3]


def test_a_report_with_hostile_text_prints_safely():
    report = {"submission": f"05_{HOSTILE}.ipynb", "exercise": "05", "score": 0, "max_score": 1, "notes": [HOSTILE],
              "error": None, "tasks": [{"task": "05-best-epoch", "title": "t", "status": "error", "points": 0,
                                        "max_points": 1, "message": f"raised Err: {HOSTILE}", "hint": HOSTILE}]}
    for text in (textreport.format_report(report), textreport.format_line(report)):
        assert "\x1b" not in text and "\r" not in text
        text.encode("utf-8")  # printing it cannot fail on an unencodable character


def test_feedback_files_are_distinct_per_submission_and_inside_their_folder(tmp_path):
    names = ["alice/05.ipynb", "alice__05.ipynb", "../../etc/x.ipynb", "05_\\xff\\xfe.ipynb", "05_??.ipynb",
             '=HYPERLINK("http://x","y").ipynb', ".hidden.ipynb"]
    paths = [gradebook.feedback_path(tmp_path, name) for name in names]
    assert len(set(paths)) == len(names)
    assert all(path.parent == tmp_path and not path.name.startswith(".") for path in paths)


def _report(name, score=1):
    return {"submission": name, "exercise": "05", "score": score, "max_score": 3, "notes": [], "error": None,
            "tasks": [{"task": "05-best-epoch", "title": "t", "status": "passed", "points": score, "max_points": 1,
                       "message": "", "hint": ""}]}


def test_a_feedback_file_that_cannot_be_written_is_an_error_on_its_row(tmp_path):
    reports = [_report("alice.ipynb"), _report("=cmd|' /C calc'!A0.ipynb"), _report("bob.ipynb")]
    folder = tmp_path / "feedback"
    gradebook.feedback_path(folder, "alice.ipynb").mkdir(parents=True)  # a folder in the way
    written = gradebook.write_feedback(reports, folder)
    assert len(written) == 2 and "could not be written" in reports[0]["error"]
    gradebook.write_csv(reports, tmp_path / "grades.csv")
    with (tmp_path / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["submission"] for row in rows] == ["alice.ipynb", "'=cmd|' /C calc'!A0.ipynb", "bob.ipynb"]
    assert rows[0]["total"] == "1" and "could not be written" in rows[0]["error"] and rows[2]["error"] == ""


def test_the_kernel_gets_a_minimal_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTRUCTOR_SECRET_TOKEN", "hf_hunter2")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("HF_TOKEN", "hf_hunter3")
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_hunter4")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")  # set or not by earlier tests: fixed here, so the verdict is not
    monkeypatch.setenv("PWD", "/home/instructor/submissions")
    env = kernel_environment(str(tmp_path))
    assert "INSTRUCTOR_SECRET_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert not any("hf_hunter" in value for value in env.values())  # no Hugging Face token, under any name
    assert env["HF_HUB_OFFLINE"] == env["HF_DATASETS_OFFLINE"] == "1"
    assert env["PWD"] == env["TMPDIR"] == str(tmp_path)
    # An explicit allow-list, written out here rather than taken from the module under test.
    allowed = {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "XDG_CACHE_HOME", "PYTHONPATH", "IPYTHONDIR", "MPLCONFIGDIR",
               "TMPDIR", "PWD", "PYTHONDONTWRITEBYTECODE", "MPLBACKEND", "TOKENIZERS_PARALLELISM", "HF_HUB_OFFLINE",
               "HF_HOME", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"}
    unexpected = {name for name in env if name not in allowed and not name.startswith(("LC_", "COURSEKIT_", "OMP_", "MKL_"))}
    assert not unexpected


def _alive(marker):
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the subreaper and /proc are Linux's")
def test_a_detached_process_is_re_parented_to_the_grader_and_killed():
    import uuid

    marker = f"619.{uuid.uuid4().int % 10**9:09d}"  # per run: no other run's process can match it
    with reaper.batch():
        assert reaper.enable_subreaper()
        subprocess.run(["/bin/sh", "-c", f"(sleep {marker} &)"], start_new_session=True, check=True)
        deadline = time.monotonic() + 5
        while not _alive(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _alive(marker) and reaper.strays()
        assert reaper.sweep() >= 1
    assert not _alive(marker)
