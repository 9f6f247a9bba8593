"""Reading a submitted notebook and telling which exercise it is, with one clear line for bad input.

The exercise comes from the notebook's metadata (`"coursekit": {"exercise": "05"}`, which the
solution and exercise notebooks carry), or else from a file name starting with the lesson number
(`05_...`). The notebook's kernelspec is ignored: the grader always uses its own kernel.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CourseError
from ..tasks.registry import Task, exercises, tasks_for
from ..tasks.safetext import clean, path_text


class SubmissionError(CourseError):
    """A file that cannot be graded: the message is one line naming the file and the problem."""


@dataclass
class Submission:
    """A readable notebook, read into memory once: its path, exercise number, tasks, code cells
    (source strings) and the file's bytes (`data`, copied next to the graded kernel)."""

    path: Path
    exercise: str
    tasks: list[Task]
    cells: list[str]
    data: bytes | None = None

    @property
    def local_name(self) -> str:
        """The notebook's file name in the kernel's folder (its own name where that is plain text)."""
        name = self.path.name
        plain = re.fullmatch(r"[\w.\- ]{1,120}", name, re.ASCII) and not name.startswith(".")
        return name if plain else "submission.ipynb"


def _load_json(path: Path) -> tuple[dict, bytes]:
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except IsADirectoryError:
        raise SubmissionError(f"{path_text(path)}: is a folder, not a notebook") from None
    except FileNotFoundError:
        raise SubmissionError(f"{path_text(path)}: no such file or folder") from None
    except UnicodeDecodeError:
        raise SubmissionError(f"{path_text(path)}: not a notebook (not UTF-8 text)") from None
    except OSError as exc:
        raise SubmissionError(f"{path_text(path)}: cannot be read ({exc.strerror or exc})") from None
    try:
        notebook = json.loads(text)
    except RecursionError:
        raise SubmissionError(f"{path_text(path)}: not a notebook: JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{path_text(path)}: not a notebook: invalid JSON "
                              f"(line {exc.lineno}: {exc.msg})") from None
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise SubmissionError(f"{path_text(path)}: not a notebook: JSON without notebook cells")
    return notebook, data


def _validated(path: Path, data: dict):
    import nbformat

    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds for a malformed notebook
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SubmissionError(f"{path_text(path)}: not a valid Jupyter notebook ({clean(first, 160)})") from None
    return nb


def exercise_of(path: Path, metadata: dict) -> str:
    """The exercise number from the metadata, else from the file name; SubmissionError if neither."""
    known = exercises()
    tagged = metadata.get("coursekit", {}) if isinstance(metadata, dict) else {}
    exercise = str(tagged.get("exercise", "")) if isinstance(tagged, dict) else ""
    if exercise in known:
        return exercise
    match = re.match(r"(\d\d)[_\-. ]", path.name)
    if match and match.group(1) in known:
        return match.group(1)
    raise SubmissionError(f"{path_text(path)}: cannot tell which exercise this is: no coursekit exercise in its "
                          f"metadata and its name does not start with {', '.join(known)} and '_'")


def read_submission(path) -> Submission:
    """Read and check one notebook; SubmissionError (one line) for anything that cannot be graded."""
    path = Path(path)
    notebook, data = _load_json(path)
    nb = _validated(path, notebook)
    exercise = exercise_of(path, nb.metadata)
    cells = [cell.source for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    return Submission(path, exercise, tasks_for(exercise), cells, data)


def find_notebooks(path) -> list[Path]:
    """The notebooks a PATH names: itself if a file, else every *.ipynb under it (checkpoints skipped)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.exists():
        raise SubmissionError(f"{path_text(path)}: no such file or folder")
    try:
        found = sorted(p for p in path.rglob("*.ipynb") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
    except OSError as exc:
        raise SubmissionError(f"{path_text(path)}: cannot be read ({exc.strerror or exc})") from None
    if not found:
        raise SubmissionError(f"{path_text(path)}: no notebooks (*.ipynb) in this folder")
    return found
