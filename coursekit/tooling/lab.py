"""`coursekit course`: JupyterLab on the learner's workspace, the command behind `make course`.

It brings the workspace up to date (coursekit.tooling.workspace), then starts JupyterLab there:
the file browser shows the learner's lessons and exercises, and the first lesson opens when the
workspace is new. As root (containers, many cloud VMs, Colab-like machines) it passes --allow-root,
which JupyterLab otherwise demands; as anyone else it does not. JupyterLab's settings that the
course ships (no news prompt at first start, no update check: coursekit/tooling/jupyterlab/) come
in through JUPYTER_CONFIG_PATH for this process only; nothing in the user's home changes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .workspace import WORKSPACE, sync

SETTINGS = Path(__file__).parent / "jupyterlab"  # holds labconfig/default_setting_overrides.json
NO_UPDATE_CHECK = "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(workspace: Path, open_first: str | None = None, extra: list[str] = ()) -> list[str]:
    """The JupyterLab command line for `workspace`.

    open_first: a notebook to open, relative to the workspace. extra: more JupyterLab options
    (e.g. --no-browser --ServerApp.port=8899), given last so they win.
    """
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={Path(workspace).resolve()}",
               NO_UPDATE_CHECK]
    if running_as_root():
        command.append("--allow-root")
    return command + list(extra) + ([open_first] if open_first else [])


def lab_environment(environ: dict | None = None) -> dict:
    """`environ` (default: this process's) with the course's JupyterLab settings first on JUPYTER_CONFIG_PATH."""
    environ = dict(os.environ if environ is None else environ)
    paths = [str(SETTINGS)] + [path for path in environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if path]
    environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return environ


def open_course(course: Path = Path("."), workspace: Path | None = None, extra: list[str] = ()) -> None:
    """Sync the workspace, say what changed, then replace this process with JupyterLab running in it.

    course: the course's folder. workspace: the learner's folder (default: course/workspace).
    extra: more JupyterLab options.
    """
    course = Path(course)
    workspace = Path(workspace) if workspace else course / WORKSPACE
    report = sync(course, workspace)
    where = workspace.resolve()
    print(f"{'created' if report.created else 'your work is in'} {where}: JupyterLab opens it; "
          f"the course's own lessons/ and exercises/ stay untouched", flush=True)
    for line in report.lines():
        print(f"  {line}", flush=True)
    lessons = sorted((workspace / "lessons").glob("*.ipynb"))
    first = lessons[0].relative_to(workspace).as_posix() if report.created and lessons else None
    command = lab_command(workspace, first, extra)
    os.chdir(workspace)
    os.execvpe(command[0], command, lab_environment())
