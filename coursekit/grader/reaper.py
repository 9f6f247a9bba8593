"""Processes a graded kernel leaves behind, found and killed (Linux; elsewhere these do nothing).

The audit hook refuses subprocess.Popen, os.system, os.fork and the like, but a notebook can still
start a process through calls Python does not audit (`_posixsubprocess.fork_exec`), in a session
of its own (so killing the kernel's process group misses it), and detach it (a double fork). So the
grader's process makes itself a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`): every process
orphaned below it is re-parented to the grader instead of to init, and stays findable by walking
/proc. `sweep()` kills (SIGKILL) every descendant of the grader that is not its own: own are the
live kernels (registered by kernel.py, with whatever runs under them), processes in the grader's
own session, and processes that were already there when the batch began (`batch()`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager

PR_SET_CHILD_SUBREAPER = 36
LOCK = threading.RLock()  # held while a kernel is started and registered, and while sweeping
_LIVE_KERNELS: set[int] = set()
_BASELINE: set[tuple[int, str]] = set()
_STATE = {"subreaper": None, "batches": 0}


def enable_subreaper() -> bool:
    """Make this (trusted) process a child subreaper, once; whether it is one."""
    with LOCK:
        if _STATE["subreaper"] is None:
            _STATE["subreaper"] = False
            if sys.platform.startswith("linux"):
                try:
                    import ctypes

                    libc = ctypes.CDLL(None, use_errno=True)
                    _STATE["subreaper"] = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
                except Exception:  # no ctypes or no prctl: orphans go to init; the kernel's group is still killed
                    _STATE["subreaper"] = False
        return _STATE["subreaper"]


def register(pid: int) -> None:
    """A kernel the grader started (call with LOCK held, right after starting it)."""
    with LOCK:
        _LIVE_KERNELS.add(pid)


def unregister(pid: int) -> None:
    """A kernel that has been killed and waited for."""
    with LOCK:
        _LIVE_KERNELS.discard(pid)


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, session id, start time) of every process /proc shows."""
    found = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        try:
            found[int(name)] = (int(fields[1]), int(fields[3]), fields[19])
        except (IndexError, ValueError):
            continue
    return found


def _descendants(root: int, table: dict) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _own_subtrees(table: dict, roots) -> set[int]:
    own = set()
    for root in roots:
        if root in table:
            own.add(root)
            own.update(_descendants(root, table))
    return own


def kill_tree(root: int) -> None:
    """SIGKILL every process below `root`, whatever its session (the caller kills `root`'s own group)."""
    for pid in _descendants(root, _processes()):
        _kill(pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pids) -> None:
    """Collect the exit status of killed processes re-parented to us (no zombies left)."""
    deadline = time.monotonic() + 2.0
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child (it had another parent), or already collected
                pending.discard(pid)
                continue
            if done:
                pending.discard(pid)
        if pending:
            time.sleep(0.02)


def strays() -> list[int]:
    """Descendants of this process that are not its own (see the module docstring)."""
    me = os.getpid()
    table = _processes()
    if me not in table:
        return []
    session = table[me][1]
    own = _own_subtrees(table, _LIVE_KERNELS)
    return [pid for pid in _descendants(me, table) if pid not in own and table[pid][1] != session
            and (pid, table[pid][2]) not in _BASELINE]


def sweep(rounds: int = 5) -> int:
    """Kill every stray descendant (a process may fork while it is killed: a few rounds); how many."""
    killed = 0
    with LOCK:
        for _ in range(rounds):
            found = strays()
            if not found:
                break
            for pid in found:
                _kill(pid)
            killed += len(found)
            _reap(found)
    return killed


@contextmanager
def batch():
    """Grading of one or many notebooks: subreaper on, processes already running spared, a sweep at the end."""
    enable_subreaper()
    with LOCK:
        if _STATE["batches"] == 0:
            table = _processes()
            _BASELINE.clear()
            _BASELINE.update((pid, table[pid][2]) for pid in _descendants(os.getpid(), table))
        _STATE["batches"] += 1
    try:
        yield
    finally:
        sweep()
        with LOCK:
            _STATE["batches"] -= 1
