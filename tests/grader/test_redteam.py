"""Red team: learners gaming, hanging and crashing the grader, as real notebooks graded by the real
grader. All submissions are graded in ONE batch through `coursekit grade FOLDER --out grades.csv
--jobs 2` with short limits, and each must get exactly its score: 0 for the untouched placeholders
whatever else the notebook does, plus the honest credit where a notebook also solves tasks. The
same batch checks what a notebook does outside Python: a process it detached is killed, a
classmate's file it would wreck is not in its jail (and is graded as submitted), and hostile names
and text neither break the gradebook nor reach the terminal. Attacks on the jail itself, one per
class, are in test_attacks.py."""

import csv
import json
import os
import uuid

import nbformat
import pytest

from coursekit.cli import main as coursekit_main
from coursekit.grader import jail
from coursekit.grader.gradebook import feedback_path

from tests.grader.lesson05_cells import BEST, CHECKS, COLLAPSED, OVERFIT, PLACEHOLDERS, SETUP

UNTOUCHED = [cell for pair in zip(PLACEHOLDERS, CHECKS) for cell in pair]
FAKE_REPORT = '{"tasks": [], "score": 3, "max_score": 3}'

MONKEYPATCHED_CHECK = """\
import sys

def passing(task_id, answer=None):
    print(f"[PASSED] {task_id}")

coursekit.check = passing  # the graded kernel's own stub
probe = sys.modules["coursekit.sandbox.probe"]  # what the grader calls in the kernel
probe.call = lambda *args, **kwargs: '{"kind": "value", "value": "passed"}'"""

WRITTEN_RESULTS = """\
import builtins, json, os, sys
passed = {t: {"task": t, "title": t, "status": "passed", "message": "", "points": 1}
          for t in ("05-best-epoch", "05-overfitting-from", "05-is-collapsed")}
sys.modules["coursekit.sandbox.probe"].RESULTS = builtins.RESULTS = passed  # in every module the kernel holds
for path in ("results.json", "grades.csv", os.path.expanduser("~/feedback.json")):  # and in every file it may write
    with open(path, "w") as handle:
        json.dump(passed, handle)
print('""" + FAKE_REPORT + """')"""

PATCHED_REPORT = """\
import json, sys
probe = sys.modules["coursekit.sandbox.probe"]
probe.fingerprints = lambda namespace, names: json.dumps({name: "forged" for name in names})
probe.call = lambda *args, **kwargs: json.dumps({"task": "05-best-epoch", "status": "passed", "points": 1, "score": 3})
print('""" + FAKE_REPORT + """')"""

HOOKED_PRINT = """\
fake = '""" + FAKE_REPORT + """'
ip = get_ipython()
ip.events.register("post_run_cell", lambda result: print(fake))
ip.events.register("post_execute", lambda: print(fake))"""

SHADOWED_PRINT = """\
import builtins, sys
real_print = builtins.print
builtins.print = lambda *args, **kwargs: real_print('""" + FAKE_REPORT + """')
sys.displayhook = lambda value: real_print('""" + FAKE_REPORT + """')"""

ALWAYS_EQUAL = """\
class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True
    __hash__ = object.__hash__

class EqualFloat(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__

def best_epoch(rows):
    return AlwaysEqual()

def overfitting_from(rows):
    return EqualFloat(0.0)

def is_collapsed(predictions):
    return AlwaysEqual()"""

LOOKUP_TABLE = """\
import json
import numpy as np

def _rows(epochs, losses):
    return [{"epoch": e, "validation_loss": l} for e, l in zip(epochs, losses)]

VISIBLE = {  # the visible inputs and their answers, copied from the feedback
    json.dumps(_rows([1.0, 2.0, 3.0, 4.0], [0.72, 0.58, 0.89, 0.96])): (2.0, 3.0),
    json.dumps(_rows([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], [0.9, 0.7, 0.62, 0.58, 0.66, 0.8])): (2.0, None),
    json.dumps(_rows([3.0, 4.0, 5.0, 6.0], [0.61, 0.55, 0.57, 0.7])): (4.0, None),
    json.dumps(_rows([3.0, 1.0, 4.0, 2.0], [0.89, 0.72, 0.96, 0.58])): (2.0, None),
    json.dumps(_rows([1.0, 2.0], [0.7, 0.5])): (None, None),
    json.dumps(_rows([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.8, 0.7, 0.74, 0.6, 0.66, 0.71])): (None, 5.0),
    json.dumps(_rows([0.5, 1.0, 1.5, 2.0, 2.5], [0.9, 0.7, 0.65, 0.68, 0.75])): (None, 2.0),
}
COLLAPSED = {(100, 98): True, (100, 60): False, (100, 97): True, (100, 50): False, (20, 19): True, (100, 92): False}

def best_epoch(rows):  # elsewhere an answer that is never right (a guess would pass now and then)
    return VISIBLE.get(json.dumps(rows), (None, None))[0]

def overfitting_from(rows):
    return VISIBLE.get(json.dumps(rows), (None, rows[0]["epoch"]))[1]

def is_collapsed(predictions):
    return COLLAPSED.get((len(predictions), int(np.bincount(predictions).max())))"""

EXEC_SOLUTIONS = """\
import io, json, os, pathlib, subprocess
root = pathlib.Path(coursekit.__file__).resolve().parents[1]
target = root / "solutions" / "05_troubleshooting_overfitting.ipynb"
outcomes = {}

def attempt(name, read):
    try:
        for cell in json.loads(read())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and "def " in source and "%" not in source:
                exec(source, globals())
        outcomes[name] = "worked"
    except BaseException as exc:
        outcomes[name] = type(exc).__name__

attempt("open", lambda: open(target).read())
attempt("pathlib", lambda: target.read_text())
attempt("os.open", lambda: os.read(os.open(target, os.O_RDONLY), 10**7).decode())
attempt("io.open_code", lambda: io.open_code(str(target)).read().decode())
attempt("symlink", lambda: (os.symlink(target, "copy.ipynb"), open("copy.ipynb").read())[1])
attempt("/proc/self/root", lambda: open(f"/proc/self/root{target}").read())
attempt("subprocess", lambda: subprocess.run(["cat", str(target)], capture_output=True, text=True).stdout)
attempt("os.system", lambda: (os.system(f"cp {target} copy2.ipynb"), open("copy2.ipynb").read())[1])
attempt("fork", lambda: str(os.fork()))
attempt("ctypes", lambda: __import__("ctypes").CDLL("libc.so.6").system)
attempt("references", lambda: (root / "coursekit" / "tasks" / "lesson05.py").read_text())
attempt("git objects", lambda: (root / ".git" / "HEAD").read_text())
attempt("grader's command line", lambda: open(f"/proc/{os.getppid()}/cmdline").read())
attempt("kill the grader", lambda: os.kill(os.getppid(), 9))
attempt("dir_fd", lambda: os.read(os.open("solutions/05_troubleshooting_overfitting.ipynb", os.O_RDONLY,
                                          dir_fd=os.open(root, os.O_RDONLY)), 10**7).decode())
attempt("/proc by dir_fd", lambda: os.read(os.open(f"{os.getppid()}/cmdline", os.O_RDONLY,
                                                   dir_fd=os.open("/proc", os.O_RDONLY)), 999).decode())
attempt("up from an open folder", lambda: os.read(os.open("../" * 12 + str(target)[1:], os.O_RDONLY,
                                                          dir_fd=os.open(".", os.O_RDONLY)), 10**7).decode())
attempt("a link to /", lambda: (os.symlink("/", "everything"), open(f"everything{target}").read())[1])
attempt("sqlite3 in the course", lambda: __import__("sqlite3").connect(str(root / "coursekit" / "planted.db")))
print(outcomes)"""

SWALLOWED_INTERRUPT = """\
import time
while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass"""

BARE_EXCEPT_RETRY = """\
def best_epoch(rows):
    while True:  # "retry until it works"
        try:
            return rows[len(rows)]["epoch"]
        except:
            continue"""

CORRECT_ALTERNATIVES = """\
import numpy as np
import torch

def best_epoch(rows):
    rows.sort(key=lambda row: row["validation_loss"])  # sorts the grader's rows in place
    return np.float64(rows[0]["epoch"])

def is_collapsed(predictions):
    return torch.tensor(predictions).bincount().max() / len(predictions) >= 0.95  # a 0-d torch bool"""

REDIRECTED_STDOUT = """\
import os, sys
sys.stdout = open(os.devnull, "w")
sys.stderr = None"""

HOSTILE_TEXT = LOOKUP_TABLE + """

def best_epoch(rows):  # right on the visible inputs; on a hidden one, an exception named after the input
    if json.dumps(rows) in VISIBLE:
        return VISIBLE[json.dumps(rows)][0]
    raise type("HIDDEN_" + json.dumps(rows).replace(":", ";"), (Exception,), {})("SECRET " + json.dumps(rows))

def overfitting_from(rows):
    raise ValueError("\\ud800 a lone surrogate \\x1b[2K\\r\\x1b[1A1/1  passed  fake line\\x1b[8m")

Huge = type("H" * 5_000_000, (), {})

def is_collapsed(predictions):
    return Huge()"""

OVERSIZED_ANSWERS = """\
import sys
probe = sys.modules["coursekit.sandbox.probe"]
probe.call = lambda *args, **kwargs: "x" * 1_500_000

class Big:
    def __repr__(self):
        return "[" + "0, " * 1_000_000 + "]"

probe.fingerprints = lambda namespace, names: Big()"""

OS_ESCAPES = """\
import os, _posixsubprocess, torch

def spawn(argv):  # no audit event: a detached process in a session of its own
    r, w = os.pipe()
    args = [[os.fsencode(a) for a in argv], [os.fsencode(argv[0])], True, (), None, None, -1, -1, -1, -1, -1, -1,
            r, w, True, True, -1, None, None, None, -1, None, False]
    try:
        _posixsubprocess.fork_exec(*args)
    except TypeError:  # another Python's signature
        _posixsubprocess.fork_exec(*args[:-1])

spawn(["/bin/sh", "-c", "(sleep {sleeper} &); echo started > {marker}"])
victim = {victim!r}  # a classmate's notebook, wrecked through a shared memory map (no audit event)
wreck = torch.from_file(victim, shared=True, size=os.stat(victim).st_size, dtype=torch.uint8)
wreck.fill_(ord(" "))
del wreck
try:
    os.makedirs({trap!r})  # a folder where the grader will write a classmate's feedback
except PermissionError:
    pass"""
SLEEPER = f"617.{uuid.uuid4().int % 10**9:09d}"  # per run: no other run's process can match it

# name -> (cells, expected score)
CASES = {
    "untouched": (UNTOUCHED, 0),
    "monkeypatched_check": ([MONKEYPATCHED_CHECK] + UNTOUCHED, 0),
    "written_results": ([WRITTEN_RESULTS], 0),
    "patched_report": ([PATCHED_REPORT] + UNTOUCHED, 0),
    "hooked_print": ([HOOKED_PRINT] + UNTOUCHED, 0),
    "shadowed_print": ([SHADOWED_PRINT] + UNTOUCHED, 0),
    "always_equal": ([ALWAYS_EQUAL] + CHECKS, 0),
    "lookup_table": ([LOOKUP_TABLE] + CHECKS, 0),
    "exec_solutions": ([EXEC_SOLUTIONS] + UNTOUCHED, 0),
    "os_exit_after_two": ([BEST, CHECKS[0], OVERFIT, CHECKS[1], "import os\nos._exit(0)", PLACEHOLDERS[2],
                           CHECKS[2]], 2),
    "swallowed_interrupt": ([BEST, OVERFIT, SWALLOWED_INTERRUPT, COLLAPSED] + CHECKS, 3),
    "bare_except_retry": ([BARE_EXCEPT_RETRY, OVERFIT, COLLAPSED] + CHECKS, 2),
    "function_ends_kernel": (["import os\n\ndef best_epoch(rows):\n    os._exit(0)", OVERFIT, COLLAPSED, "exit()"]
                             + CHECKS, 2),
    "redirected_stdout": ([REDIRECTED_STDOUT, BEST, OVERFIT, COLLAPSED] + CHECKS, 3),
    "memory_hog": (["blob = bytearray(64 * 2**30)", BEST, OVERFIT, COLLAPSED] + CHECKS, 3),
    "correct_alternatives": ([CORRECT_ALTERNATIVES, OVERFIT] + CHECKS, 3),
    "hostile_text": ([HOSTILE_TEXT] + CHECKS, 0),
    "oversized_answers": ([OVERSIZED_ANSWERS, BEST, OVERFIT, COLLAPSED] + CHECKS, 0),
    "slow_defining_cell": ([BEST + "\n\nimport time\ntime.sleep(60)  # a slow demo left in the cell", OVERFIT, COLLAPSED]
                           + CHECKS, 2),
    "os_escapes": ([BEST, OVERFIT, COLLAPSED, "OS_ESCAPES"] + CHECKS, 3),  # its cell is made in the fixture
}
NON_UTF8_NAME = b"zz_\xff\xfe.ipynb"  # a copy of "untouched" whose file name is not UTF-8


def notebook(cells, metadata=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in [SETUP, *cells]]
    nb.metadata = metadata or {"coursekit": {"exercise": "05"}, "kernelspec": {"name": "python3", "display_name": "P"}}
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_seed):
    """Grade every case, plus an honest notebook known only by its metadata (its kernelspec is one this
    machine does not have) and a broken file, in one batch; (rows by submission, feedback folder, stdout)."""
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("submissions")
    feedback_dir, marker = folder.parent / "grades-feedback", folder.parent / "spawned.txt"
    escapes = OS_ESCAPES.format(marker=str(marker), victim=str(folder / "alice.ipynb"), sleeper=SLEEPER,
                                trap=str(feedback_path(feedback_dir, "alice.ipynb")))
    for name, (cells, _) in CASES.items():
        nbformat.write(notebook([escapes if cell == "OS_ESCAPES" else cell for cell in cells]),
                       folder / f"05_{name}.ipynb")
    alien = {"coursekit": {"exercise": "05"}, "kernelspec": {"name": "no-such-kernel", "display_name": "X"}}
    nbformat.write(notebook([BEST, OVERFIT, COLLAPSED] + CHECKS, alien), folder / "alice.ipynb")
    (folder / "broken.ipynb").write_text('{"cells": [')
    (folder / "=SUM(1+1).ipynb").write_text("[1, 2]")
    with open(os.path.join(os.fsencode(folder), NON_UTF8_NAME), "w") as handle:
        handle.write(nbformat.writes(notebook(UNTOUCHED)))
    feedback_path(feedback_dir, "broken.ipynb").mkdir(parents=True)  # a folder in the way of one feedback file
    out = folder.parent / "grades.csv"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = coursekit_main(["grade", str(folder), "--out", str(out), "--jobs", "2", "--cell-timeout", "4",
                               "--call-timeout", "3", "--notebook-timeout", "120", "--memory-mb", "3072",
                               "--seed", str(grading_seed)])
    assert code == 0
    with out.open(encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    return rows, feedback_dir, printed.getvalue(), folder, marker


def feedback(graded, name):
    return json.loads(feedback_path(graded[1], f"{name}.ipynb").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_gets_exactly_its_score(graded, name, replay):
    rows = graded[0]
    row = rows[f"05_{name}.ipynb"]
    assert int(row["total"]) == CASES[name][1], (feedback(graded, f"05_{name}"), replay)
    assert row["max"] == "3" and row["error"] == ""


@pytest.mark.parametrize("name", ["untouched", "hooked_print", "shadowed_print", "exec_solutions"])
def test_untouched_placeholders_stay_not_attempted_whatever_the_notebook_prints_or_patches(graded, name):
    statuses = {row["status"] for row in feedback(graded, f"05_{name}")["tasks"]}
    assert statuses == {"not attempted"}


def test_a_patched_probe_hands_back_data_the_grader_judges_itself(graded):
    # the probe is what the grader calls inside the kernel: a patched one returns values the grader compares
    # with its references (wrong), or data that is not an answer at all (an error), never a score
    assert {row["status"] for row in feedback(graded, "05_monkeypatched_check")["tasks"]} == {"failed"}
    forged = feedback(graded, "05_patched_report")["tasks"]
    assert {row["status"] for row in forged} == {"error"}
    assert all("could not read what your function returned" in row["message"] for row in forged)


def test_results_written_without_functions_count_for_nothing(graded):
    report = feedback(graded, "05_written_results")
    assert {row["status"] for row in report["tasks"]} == {"not attempted"}
    assert "defines no `best_epoch`" in report["tasks"][0]["message"]


def test_always_equal_objects_are_not_answers(graded):
    messages = {row["task"]: row["message"] for row in feedback(graded, "05_always_equal")["tasks"]}
    assert "returned an AlwaysEqual object" in messages["05-best-epoch"]
    assert "got:      0.0" in messages["05-overfitting-from"]  # a float subclass arrives as the float it is


def test_a_table_of_visible_inputs_fails_the_hidden_checks(graded):
    for row in feedback(graded, "05_lookup_table")["tasks"]:
        assert row["message"].startswith("Your answer passes the visible checks but not a hidden one."), row
        assert "input:" not in row["message"]


def test_hangs_and_crashes_cost_only_the_offending_cell_or_call(graded):
    exited = feedback(graded, "05_os_exit_after_two")
    assert any("ended the Python process" in note for note in exited["notes"])
    assert [row["status"] for row in exited["tasks"]] == ["passed", "passed", "not attempted"]
    looped = feedback(graded, "05_swallowed_interrupt")
    assert any("ran past the 4 s a cell may take" in note for note in looped["notes"])
    retried = {row["task"]: row for row in feedback(graded, "05_bare_except_retry")["tasks"]}
    assert retried["05-best-epoch"]["status"] == "timed out"
    assert "more than 3 s" in retried["05-best-epoch"]["message"]
    ended = feedback(graded, "05_function_ends_kernel")
    assert ended["tasks"][0]["status"] == "error" and "process ended" in ended["tasks"][0]["message"]
    assert any("(exit()) ended the Python process" in note for note in ended["notes"])


def test_a_broken_file_is_a_row_and_the_batch_goes_on(graded):
    rows, folder, printed = graded[:3]
    assert rows["broken.ipynb"]["total"] == "0" and "invalid JSON" in rows["broken.ipynb"]["error"]
    assert rows["alice.ipynb"]["exercise"] == "05" and rows["alice.ipynb"]["total"] == "3"
    assert len(rows) == len(CASES) + 4 == len([path for path in folder.glob("*.json") if path.is_file()]) + 1
    assert f"graded {len(CASES) + 4} notebooks" in printed


def test_a_feedback_file_that_cannot_be_written_is_an_error_on_its_row_and_the_rest_are_written(graded):
    rows = graded[0]
    assert "invalid JSON" in rows["broken.ipynb"]["error"] and "could not be written" in rows["broken.ipynb"]["error"]
    assert rows["alice.ipynb"]["error"] == "" and feedback(graded, "alice")["score"] == 3  # its trap was refused


def test_names_that_are_formulas_or_not_utf8_are_safe_gradebook_rows(graded):
    rows = graded[0]
    assert rows["'=SUM(1+1).ipynb"]["total"] == "0" and "without notebook cells" in rows["'=SUM(1+1).ipynb"]["error"]
    assert rows["zz_\\xff\\xfe.ipynb"]["total"] == "0" and rows["zz_\\xff\\xfe.ipynb"]["error"] == ""
    assert {row["status"] for row in feedback(graded, "zz_\\xff\\xfe")["tasks"]} == {"not attempted"}


def test_hostile_text_reaches_neither_the_feedback_nor_the_terminal_and_hidden_inputs_stay_hidden(graded):
    from coursekit.grader.textreport import format_report

    report = feedback(graded, "05_hostile_text")
    messages = {row["task"]: row["message"] for row in report["tasks"]}
    assert messages["05-best-epoch"].endswith("raised an error on a hidden input.")
    assert "HIDDEN" not in json.dumps(report) and "SECRET" not in json.dumps(report)
    assert "\\x1b[2K" in messages["05-overfitting-from"] and "\\ud800" in messages["05-overfitting-from"]
    assert "returned a HHHH" in messages["05-is-collapsed"] and len(messages["05-is-collapsed"]) < 400
    text = format_report(dict(report, submission="05_hostile_text.ipynb"))
    assert "\x1b" not in text and "\r" not in text and text.encode("utf-8")
    assert "\x1b" not in graded[2]


def test_answers_too_large_to_parse_fail_as_such(graded):
    for row in feedback(graded, "05_oversized_answers")["tasks"]:
        assert row["status"] == "failed" and "returned too much data" in row["message"], row


def test_a_function_whose_cell_ran_out_of_time_is_told_so(graded):
    row = feedback(graded, "05_slow_defining_cell")["tasks"][0]
    assert row["status"] == "timed out" and "Code cell 2, which defines `best_epoch`, ran past the 4 s" in row["message"]


def test_what_a_notebook_does_outside_the_audit_hook_changes_no_classmate_and_leaves_no_process(graded):
    rows, _, _, folder, marker = graded
    assert not marker.exists()  # the jail holds no folder of the grader's: nothing written outside it
    for name in os.listdir("/proc"):  # and whatever it started was killed with its notebook
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                assert SLEEPER.encode() not in handle.read(), f"process {name} survived its grading"
        except OSError:
            continue
    assert (folder / "alice.ipynb").read_text().strip() != ""  # a classmate's notebook is not in the jail
    assert rows["alice.ipynb"]["total"] == "3"  # graded as submitted


def test_gradebook_has_a_column_per_task(graded):
    rows = graded[0]
    assert list(next(iter(rows.values()))) == ["submission", "exercise", "05-best-epoch", "05-overfitting-from",
                                               "05-is-collapsed", "total", "max", "error", "isolation"]
    assert {row["isolation"] for row in rows.values() if not row["error"]} == {"bubblewrap"}


SOLUTION_ROUTES = ("open", "pathlib", "os.open", "io.open_code", "symlink", "/proc/self/root", "dir_fd",
                   "up from an open folder", "a link to /", "references")


@pytest.mark.parametrize("isolation", [jail.BUBBLEWRAP, jail.LANDLOCK])
def test_the_graded_kernel_reaches_no_solution_and_holds_no_reference(isolation, tmp_path, monkeypatch):
    from coursekit.grader.kernel import SandboxKernel

    available = jail.bubblewrap_works() if isolation == jail.BUBBLEWRAP else jail.landlock_abi() >= 1
    if not available:
        pytest.skip(f"{isolation} is not available here")
    monkeypatch.setenv("INSTRUCTOR_SECRET_TOKEN", "hf_hunter2")
    (tmp_path / "work").mkdir()
    (tmp_path / "run").mkdir()
    kernel = SandboxKernel(str(tmp_path / "work"), str(tmp_path / "run"), 3072, isolation)
    kernel.start(120)
    try:
        reply = kernel.execute(f"{SETUP}\n{EXEC_SOLUTIONS}", 60, user_expressions={
            "outcomes": "str(outcomes)",
            "modules": "str(sorted(m for m in __import__('sys').modules if m.startswith('coursekit.')))",
            "check": "coursekit.check.__module__",
            "environment": "str((os.environ.get('INSTRUCTOR_SECRET_TOKEN'), os.getcwd()))"})
        assert reply.status == "ok", reply.content
        outcomes = eval(reply.expression("outcomes"))
        assert "worked" not in outcomes.values(), outcomes  # refused, or not there at all
        assert {outcomes[route] for route in SOLUTION_ROUTES} <= {"PermissionError", "FileNotFoundError"}, outcomes
        modules = eval(reply.expression("modules"))
        assert "coursekit.sandbox.probe" in modules
        assert not [m for m in modules if m.startswith(("coursekit.tasks", "coursekit.grader", "coursekit.tooling"))]
        assert reply.expression("check") == "coursekit.sandbox.startup"  # the stub, not the learner-side check
        assert eval(reply.expression("environment")) == (None, str(tmp_path / "work"))
        memory = kernel.execute("blob = bytearray(8 * 2**30)", 30)
        assert memory.status == "error" and memory.content["ename"] == "MemoryError"
    finally:
        kernel.kill()
