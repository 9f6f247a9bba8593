"""`coursekit grade NOTEBOOK`: run a learner's notebook in a fresh kernel and score its exercises."""

from __future__ import annotations

import json
from pathlib import Path

CELL_TIMEOUT_S = 120


def task_ids_for(notebook_path) -> list[str]:
    """The exercises a notebook is graded on: every task of its lesson ("02_..." -> "02-*")."""
    from .grading import registered_tasks

    lesson = Path(notebook_path).name[:2]
    return [task_id for task_id in registered_tasks() if task_id.startswith(f"{lesson}-")]


def grade_notebook(notebook_path, cell_timeout: int = CELL_TIMEOUT_S) -> dict:
    """Execute `notebook_path` (errors and endless cells do not stop it) and return the report.

    cell_timeout: seconds a cell may run before it is interrupted and grading moves on.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(notebook_path)
    task_ids = task_ids_for(path)
    if not task_ids:
        raise ValueError(f"{path.name}: no exercises for lesson {path.name[:2]!r}; name the file like 02_....ipynb.")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=cell_timeout, allow_errors=True, interrupt_on_timeout=True,
                            record_timing=False, resources={"metadata": {"path": str(path.parent.resolve())}})
    report_cell = nbformat.v4.new_code_cell(
        f"import coursekit.grader.grading as _grading\nprint(_grading.report_json({task_ids!r}))")
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        nb.cells.append(report_cell)
        client.execute_cell(report_cell, len(nb.cells) - 1)
    printed = "".join(out.get("text", "") for out in report_cell.outputs if out.output_type == "stream")
    if not printed.strip():
        raise RuntimeError(f"{path.name}: the grader could not read the results back from the kernel.")
    return json.loads(printed.strip().splitlines()[-1])


def format_report(report: dict) -> str:
    """The report as text: one line per task, then the total."""
    lines = [f"{row['score']}/1  {row['status']:<13}  {row['task']}: {row['title']}" for row in report["tasks"]]
    lines.append(f"total: {report['score']}/{report['max_score']}")
    return "\n".join(lines)
