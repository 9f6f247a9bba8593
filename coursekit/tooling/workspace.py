"""The learner's own copy of the course: lessons and exercises in a git-ignored folder.

JupyterLab rewrites every notebook it saves (the kernel's `language_info`, Python version included),
and a learner edits, runs and saves: in the clone's tracked files that would block or conflict with
every `git pull`. So `make course` opens JupyterLab on `workspace/` (ignored by git), filled with
copies of lessons/ and exercises/ when it is first made. After that a copy is never overwritten:
each run adds only the notebooks that are new in the course (a `git pull` brought lesson 06), and
names those the course changed since they were copied (the copy stays as the learner left it; to
start one afresh, rename or delete it and run again). Lessons write `outputs/` next to themselves,
inside workspace/ too. Which course file each copy came from, and its digest then, is kept in
workspace/.coursekit-copies.json.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CourseError

FOLDERS = ("lessons", "exercises")  # what a learner works in, copied with their own names
PATTERN = "*.ipynb"
WORKSPACE = "workspace"  # relative to the course's folder; .gitignore lists it
MANIFEST = ".coursekit-copies.json"
README = """# Your workspace

Your own copies of the course's lessons and exercises: edit, run and save them freely. This folder
is ignored by git, so `git pull` updates the course cleanly and never touches your work.

`make course` (or `coursekit workspace`) copies lessons that are new in the course into this folder
and never overwrites a file that is already here. To start a lesson or an exercise afresh, rename or
delete your copy and run it again. Lessons write their models and checkpoints to `outputs/` next to
themselves.
"""


@dataclass
class Report:
    """What one sync did: whether it `created` the workspace, the copies it `added`, and the copies whose
    course notebook `changed` since they were made (left as they are). Paths relative to the workspace."""

    created: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What to tell the learner, one line each."""
        lines = [f"added {path}" for path in self.added]
        lines += [f"kept your {path}: the course has changed it since it was copied (rename or delete your copy "
                  f"and run again to get the new one)" for path in self.changed]
        return lines


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def course_notebooks(course: Path) -> list[str]:
    """The notebooks a learner gets a copy of, relative to the course folder: lessons/..., exercises/..."""
    missing = [name for name in FOLDERS if not (course / name).is_dir()]
    if missing:
        raise CourseError(f"{course.resolve()} has no {' or '.join(f'{name}/' for name in missing)}: run this in the "
                          f"course's folder (the clone with lessons/ and exercises/)")
    return [path.relative_to(course).as_posix() for name in FOLDERS for path in sorted((course / name).glob(PATTERN))]


def sync(course: Path, workspace: Path) -> Report:
    """Create `workspace` with copies of the course's notebooks, or add those it lacks; never overwrite.

    course: the course's folder (with lessons/ and exercises/). workspace: the learner's folder.
    """
    course, workspace = Path(course), Path(workspace)
    notebooks = course_notebooks(course)
    report = Report(created=not workspace.exists())
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    for relative in notebooks:
        source, copy = course / relative, workspace / relative
        if copy.exists():
            if relative in manifest and manifest[relative] != _digest(source):
                report.changed.append(relative)
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)  # contents only: the copy is the learner's, writable
        manifest[relative] = _digest(source)
        report.added.append(relative)
    if not (workspace / "README.md").exists():
        (workspace / "README.md").write_text(README, encoding="utf-8")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report
