"""Processes a graded kernel leaves behind, where no PID namespace holds them (Landlock, no isolation).

In the bubblewrap jail none of this is needed: the kernel runs in its own PID namespace, and
killing the jail ends every process in it (kernel.py). Under Landlock or without isolation a
notebook can start a process (through `_posixsubprocess.fork_exec`, which raises no audit event,
or `os.fork` once the tripwire is off), in a session of its own, and detach it (a double fork), so
killing the kernel's process group misses it. So the grader makes itself a child subreaper
(`prctl(PR_SET_CHILD_SUBREAPER)`, Linux): every process orphaned below it is re-parented to the
grader instead of to init, and stays findable. `sweep()` kills (SIGKILL) every descendant of the
grader that is not its own: own are the live kernels (registered by kernel.py, with whatever runs
under them), processes in the grader's own session, and processes that were already there when the
batch began (`batch()`). Processes are found with psutil.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

import psutil

PR_SET_CHILD_SUBREAPER = 36
LOCK = threading.RLock()  # held while a kernel is started and registered, and while sweeping
_LIVE_KERNELS: set[int] = set()
_BASELINE: set[tuple[int, float]] = set()
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


def _identity(process: psutil.Process) -> tuple[int, float] | None:
    try:
        return process.pid, process.create_time()
    except psutil.Error:
        return None


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill_and_reap(processes: list[psutil.Process]) -> None:
    """SIGKILL each process, then collect the exit status of those re-parented to us (no zombies)."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(processes, timeout=2.0)


def kill_tree(root: int) -> None:
    """SIGKILL every process below `root`, whatever its session (the caller kills `root`'s own group)."""
    _kill_and_reap(_descendants(root))


def strays() -> list[psutil.Process]:
    """Descendants of this process that are not its own (see the module docstring)."""
    session = os.getsid(0)
    own = {pid for kernel in _LIVE_KERNELS for pid in [kernel, *(p.pid for p in _descendants(kernel))]}
    found = []
    for process in _descendants(os.getpid()):
        try:
            stray = process.pid not in own and os.getsid(process.pid) != session
        except OSError:  # gone already
            continue
        if stray and _identity(process) not in _BASELINE:
            found.append(process)
    return found


def sweep(rounds: int = 5) -> int:
    """Kill every stray descendant (a process may fork while it is killed: a few rounds); how many."""
    killed = 0
    with LOCK:
        for _ in range(rounds):
            found = strays()
            if not found:
                break
            _kill_and_reap(found)
            killed += len(found)
    return killed


@contextlib.contextmanager
def batch(needed: bool = True):
    """Grading of one or many notebooks: subreaper on, processes already running spared, a sweep at the
    end. needed: False where a PID namespace holds every kernel's processes (the bubblewrap jail)."""
    if not needed:
        yield
        return
    enable_subreaper()
    with LOCK:
        if _STATE["batches"] == 0:
            _BASELINE.clear()
            _BASELINE.update(filter(None, map(_identity, _descendants(os.getpid()))))
        _STATE["batches"] += 1
    try:
        yield
    finally:
        sweep()
        with LOCK:
            _STATE["batches"] -= 1
