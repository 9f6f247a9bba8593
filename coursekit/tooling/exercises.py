"""Generates exercises/ from solutions/: solution code between markers becomes a placeholder.

In a solution notebook, the code between `### BEGIN SOLUTION` and `### END SOLUTION` (both
indented like the code) is replaced by `# YOUR CODE HERE` and `...`, so an untouched exercise runs
to the end and every check reports "not attempted".
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_BLOCK = re.compile(rf"^([ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}[ \t]*$", re.M | re.S)


def strip_solutions(source: str) -> str:
    """`source` with each solution block replaced by an indented placeholder."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers in:\n{source}")
    return _BLOCK.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}...", source)


def exercise_from_solution(solution_path):
    """The exercise notebook (nbformat node) generated from one solution notebook."""
    import nbformat

    nb = nbformat.read(solution_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
    return nb


def build(solutions_dir="solutions", exercises_dir="exercises") -> list[Path]:
    """Write exercises_dir/NAME.ipynb for every solutions_dir/NAME.ipynb; returns the paths written."""
    import nbformat

    written = []
    for solution in sorted(Path(solutions_dir).glob("*.ipynb")):
        target = Path(exercises_dir) / solution.name
        nbformat.write(exercise_from_solution(solution), target)
        written.append(target)
    return written
