"""A class at once: grade many notebooks, several at a time, into a gradebook CSV and one JSON
feedback file per submission; and the text reports `coursekit grade` prints.

Every submission is read into memory before the first one is graded (a notebook cannot change a
classmate's file before it is graded), and the gradebook and feedback are written only after every
kernel, and every process a kernel left behind, is gone. A notebook that cannot be read becomes a
row with 0 points and its error; one that hangs or crashes costs at most its own time limit; a
feedback file that cannot be written is an error on its row: the batch always goes on. Names and
messages are cleaned of control characters, and a CSV cell that a spreadsheet would read as a
formula gets a leading quote. Feedback files carry each task's count of failed gradings, so a
learner who resubmits gets the fuller hint after repeated failures, as in their own notebook.
"""

from __future__ import annotations

import csv
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from ..tasks.registry import all_tasks, get_task
from ..tasks.safetext import MESSAGE_CHARS, clean, csv_cell, path_text, short_hash
from ..tasks.verdict import NOT_ATTEMPTED, PASSED, hint_for
from . import jail, reaper
from .runner import Limits, NoKernelError, grade_submission
from .submission import Submission, SubmissionError, find_notebooks, read_submission


def submissions(paths: list) -> list[tuple[Path, str]]:
    """(notebook, submission name) for every PATH: a file is named as given, a folder's notebooks by
    their paths inside it (after the folder's own name when several PATHs are given). Names are text
    whatever the file names' bytes, and distinct. SubmissionError for a PATH that does not exist or
    holds no notebook."""
    found, seen = [], set()
    for path in map(Path, paths):
        prefix = f"{path.name}/" if len(paths) > 1 else ""
        for notebook in find_notebooks(path):
            inside = notebook.relative_to(path).as_posix() if notebook != path else ""
            name = path_text(prefix + inside if inside else path.as_posix())
            unique, count = name, 1
            while unique in seen:
                count += 1
                unique = f"{name} ({count})"
            seen.add(unique)
            found.append((notebook, unique))
    return found


def failed_report(name: str, error: str, exercise: str | None = None) -> dict:
    """The report of a submission that could not be graded: 0 points and its error."""
    return {"submission": name, "exercise": exercise, "score": 0, "max_score": 0, "tasks": [], "notes": [],
            "error": clean(error, MESSAGE_CHARS)}


def load(path, name: str | None = None) -> Submission | dict:
    """Read one notebook into memory: its Submission, or the failed report of a file that cannot be graded."""
    try:
        return read_submission(path)
    except SubmissionError as exc:
        return failed_report(name or path_text(Path(path).name), str(exc))


def _cleaned(report: dict) -> dict:
    """Every text of a report cleaned of control characters and cut to a readable length."""
    for row in report.get("tasks", []):
        for key in ("message", "hint", "title"):
            row[key] = clean(row.get(key, ""), MESSAGE_CHARS, newlines=True)
    report["notes"] = [clean(note, MESSAGE_CHARS) for note in report.get("notes", [])]
    return report


def grade_loaded(submission: Submission | dict, name: str, limits: Limits = Limits(), seed: int | None = None) -> dict:
    """Grade a notebook already read into memory (or pass on its failed report); never raises."""
    if isinstance(submission, dict):
        return submission
    try:
        report = grade_submission(submission, limits, seed)
    except jail.IsolationError as exc:
        return failed_report(name, str(exc), submission.exercise)
    except NoKernelError as exc:
        return failed_report(name, f"{path_text(submission.path)}: {exc}", submission.exercise)
    except Exception as exc:  # a grader fault on one notebook must not stop a class's batch
        return failed_report(name, f"{path_text(submission.path)}: the grader failed on this notebook "
                                   f"({type(exc).__name__}: {exc})", submission.exercise)
    return _cleaned({"submission": name, **report, "error": None})


def grade_file(path, name: str | None = None, limits: Limits = Limits(), seed: int | None = None) -> dict:
    """Grade one notebook file; never raises for a bad or hostile notebook (the report says why).

    name: the submission's name in the report (default: the file name).
    """
    name = name or path_text(Path(path).name)
    return grade_loaded(load(path, name), name, limits, seed)


def grade_many(items: list[tuple[Path, str]], limits: Limits = Limits(), jobs: int = 1, seed: int | None = None,
               progress=None) -> list[dict]:
    """Grade (path, name) items with `jobs` at a time; reports in the items' order. Every file is read
    before the first is graded, and the isolation is chosen once for the batch (where none is
    available, every report is that error); processes the kernels left behind are gone when this
    returns.

    progress: called with each report as soon as it is ready.
    """
    loaded = [load(path, name) for path, name in items]
    try:
        limits = replace(limits, isolation=jail.choose(limits.isolation))
    except jail.IsolationError as exc:
        return [item if isinstance(item, dict) else failed_report(name, str(exc), item.exercise)
                for item, (_, name) in zip(loaded, items)]

    def one(index):
        report = grade_loaded(loaded[index], items[index][1], limits, seed)
        if progress is not None:
            progress(report)
        return report

    with reaper.batch(needed=limits.isolation != jail.BUBBLEWRAP):
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, range(len(items))))


def task_columns(reports: list[dict]) -> list[str]:
    """The task ids graded in any report, in course order."""
    graded = {row["task"] for report in reports for row in report["tasks"]}
    return [task_id for task_id in all_tasks() if task_id in graded]


def write_csv(reports: list[dict], path) -> Path:
    """The gradebook: submission, exercise, points per task (blank where not graded), total, max, error."""
    columns = task_columns(reports)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "exercise", *columns, "total", "max", "error", "isolation"])
        for report in reports:
            points = {row["task"]: row["points"] for row in report["tasks"]}
            cells = [report["submission"], report["exercise"] or "", *[points.get(c, "") for c in columns],
                     report["score"], report["max_score"], report["error"] or "",
                     report.get("isolation") or ""]
            writer.writerow([csv_cell(cell) for cell in cells])
    return path


def feedback_path(folder, name: str) -> Path:
    """Where a submission's JSON feedback goes: its name with folders joined by "__" and any character
    other than letters, digits, ".", "_" and "-" as "_", then a short hash of the whole name (so two
    submissions never share a file), as .json: `alice__05_best-1a2b3c4d.json`."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name.replace("/", "__")).stem).lstrip(".")[:80] or "submission"
    return Path(folder) / f"{stem}-{short_hash(name)}.json"


def with_attempts(report: dict, previous: dict | None) -> dict:
    """`report` with each task's failed gradings counted (carried from `previous`) and its hint to match."""
    rows = previous.get("tasks") if isinstance(previous, dict) else None
    before = {row.get("task"): row.get("failed_attempts") for row in rows if isinstance(row, dict)} if isinstance(
        rows, list) else {}
    for row in report["tasks"]:
        failed = row["status"] not in (PASSED, NOT_ATTEMPTED)
        earlier = before.get(row["task"])
        row["failed_attempts"] = (earlier if isinstance(earlier, int) and earlier >= 0 else 0) + failed
        row["hint"] = hint_for(get_task(row["task"]), row["failed_attempts"]) if failed else ""
    return report


def write_feedback(reports: list[dict], folder) -> list[Path]:
    """One JSON file per submission in `folder` (created), attempts carried from earlier files. A file
    that cannot be written (a folder in its way, no permission) becomes its report's error; the
    others are still written. The paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for report in reports:
        path = feedback_path(folder, report["submission"])
        try:
            previous = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        except (OSError, ValueError, RecursionError):
            previous = None
        try:
            text = json.dumps(with_attempts(report, previous), indent=2) + "\n"
            path.write_text(text, encoding="utf-8")
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else clean(exc)
            problem = f"the feedback file {path.name} could not be written ({why})"
            report["error"] = f"{report['error']}; {problem}" if report.get("error") else problem
            continue
        written.append(path)
    return written
