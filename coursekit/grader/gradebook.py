"""A class at once: grade many notebooks, several at a time, into a gradebook CSV and one JSON
feedback file per submission; and the text reports `coursekit grade` prints.

A notebook that cannot be read becomes a row with 0 points and its error; one that hangs or
crashes costs at most its own time limit: the batch always goes on. Feedback files carry each
task's count of failed gradings, so a learner who resubmits gets the fuller hint after repeated
failures, as in their own notebook.
"""

from __future__ import annotations

import csv
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .runner import Limits, grade_submission
from .submission import SubmissionError, find_notebooks, read_submission
from .tasks import all_tasks, get_task
from .verdict import NOT_ATTEMPTED, PASSED, hint_for


def submissions(paths: list) -> list[tuple[Path, str]]:
    """(notebook, submission name) for every PATH: a file is named as given, a folder's notebooks by
    their paths inside it (after the folder's own name when several PATHs are given).
    SubmissionError for a PATH that does not exist or holds no notebook."""
    found = []
    for path in map(Path, paths):
        prefix = f"{path.name}/" if len(paths) > 1 else ""
        for notebook in find_notebooks(path):
            inside = notebook.relative_to(path).as_posix() if notebook != path else ""
            found.append((notebook, prefix + inside if inside else path.as_posix()))
    return found


def failed_report(name: str, error: str, exercise: str | None = None) -> dict:
    """The report of a submission that could not be graded: 0 points and its error."""
    return {"submission": name, "exercise": exercise, "score": 0, "max_score": 0, "tasks": [], "notes": [],
            "error": error}


def grade_file(path, name: str | None = None, limits: Limits = Limits(), seed: int | None = None) -> dict:
    """Grade one notebook file; never raises for a bad or hostile notebook (the report says why).

    name: the submission's name in the report (default: the file name).
    """
    name = name or Path(path).name
    try:
        submission = read_submission(path)
    except SubmissionError as exc:
        return failed_report(name, str(exc))
    try:
        report = grade_submission(submission, limits, seed)
    except Exception as exc:  # a grader fault on one notebook must not stop a class's batch
        return failed_report(name, f"{path}: the grader failed on this notebook ({type(exc).__name__}: {exc})",
                             submission.exercise)
    return {"submission": name, **report, "error": None}


def grade_many(items: list[tuple[Path, str]], limits: Limits = Limits(), jobs: int = 1, seed: int | None = None,
               progress=None) -> list[dict]:
    """Grade (path, name) items with `jobs` at a time; reports in the items' order.

    progress: called with each report as soon as it is ready.
    """
    def one(item):
        report = grade_file(item[0], item[1], limits, seed)
        if progress is not None:
            progress(report)
        return report

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, items))


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
        writer.writerow(["submission", "exercise", *columns, "total", "max", "error"])
        for report in reports:
            points = {row["task"]: row["points"] for row in report["tasks"]}
            writer.writerow([report["submission"], report["exercise"] or "", *[points.get(c, "") for c in columns],
                             report["score"], report["max_score"], report["error"] or ""])
    return path


def feedback_path(folder, name: str) -> Path:
    """Where a submission's JSON feedback goes: its name with folders joined by "__", as .json."""
    return Path(folder) / (Path(name.replace("/", "__")).stem + ".json")


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
    """One JSON file per submission in `folder` (created), attempts carried from earlier files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for report in reports:
        path = feedback_path(folder, report["submission"])
        try:
            previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        except (OSError, ValueError):
            previous = None
        path.write_text(json.dumps(with_attempts(report, previous), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
