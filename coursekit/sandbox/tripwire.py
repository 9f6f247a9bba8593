"""A tripwire for honest learners in a graded kernel. It is NOT a security boundary.

An audit hook (`sys.addaudithook`) that turns what a graded notebook cannot do into a clear
message instead of a puzzling failure: starting processes (`subprocess`, `os.system`, `!shell`
lines, `multiprocessing`, `os.fork`, `os.exec*`, spawning) and `ctypes`. Inside the jail most of
these would fail anyway, with a message that names no cause.

CPython's documentation says audit hooks are not a sandbox, and this one is not: pure Python can
reach the hook through `gc` and rewrite its closure, and native code (a C extension, cffi,
`torch.from_file`) raises no audit event at all. The boundary is the operating system: the
bubblewrap jail, or Landlock (coursekit/grader/jail.py). Nothing relies on this hook; the red-team
tests switch it off before they attack.
"""

from __future__ import annotations

import sys

PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                            "os.forkpty", "pty.spawn"})
PROCESSES = ("coursekit hint: a graded notebook cannot start other processes (subprocess, os.system, a `!` shell "
             "line, multiprocessing, os.fork): the grader runs it in a sandbox. Do the work in the notebook's own "
             "Python, one process, and keep installs and shell commands out of the notebook you hand in.")
CTYPES = ("coursekit hint: a graded notebook cannot use ctypes (calling C libraries directly): the grader runs it "
          "in a sandbox. Use plain Python, NumPy or torch instead.")


def hook(event: str, args: tuple) -> None:
    """The audit hook: PermissionError with a hint for a process start or any use of ctypes."""
    if event in PROCESS_EVENTS:
        raise PermissionError(PROCESSES)
    if event.startswith("ctypes."):
        raise PermissionError(CTYPES)


def install() -> None:
    """Install the hook for the rest of this process's life (see the module docstring: not a boundary)."""
    sys.addaudithook(hook)
