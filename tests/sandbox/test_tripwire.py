"""The tripwire (an audit hook that is not a boundary): an honest learner who starts a process or
uses ctypes in a graded notebook reads a hint naming why, and nothing else a notebook does is refused.
Called directly with the events Python raises (no kernel); in a real kernel in tests/grader."""

import os

import pytest

from coursekit.sandbox import tripwire


@pytest.mark.parametrize("event,args", [("subprocess.Popen", ("sh", ["sh"], None, None)), ("os.system", (b"ls",)),
                                        ("os.fork", ()), ("os.exec", ("/bin/sh", ["sh"], None)),
                                        ("os.posix_spawn", ("/bin/sh", ["sh"], None))])
def test_starting_a_process_is_refused_with_a_hint_naming_multiprocessing_and_subprocess(event, args):
    with pytest.raises(PermissionError, match="coursekit hint: a graded notebook cannot start other processes") as info:
        tripwire.hook(event, args)
    assert "multiprocessing" in str(info.value) and "subprocess" in str(info.value)


def test_ctypes_is_refused_with_a_hint():
    with pytest.raises(PermissionError, match="coursekit hint: a graded notebook cannot use ctypes"):
        tripwire.hook("ctypes.dlopen", ("libc.so.6",))


@pytest.mark.parametrize("event,args", [("open", ("/etc/hostname", "r", os.O_RDONLY)), ("os.remove", ("x", None)),
                                        ("os.kill", (1, 9)), ("socket.connect", (None, ("1.1.1.1", 53))),
                                        ("import", ("numpy", None, [], [], []))])
def test_everything_else_passes_the_jail_is_the_boundary(event, args):
    assert tripwire.hook(event, args) is None


def test_a_notebook_that_uses_multiprocessing_reads_the_hint(tmp_path):
    import subprocess
    import sys

    code = ("from coursekit.sandbox import tripwire; tripwire.install()\n"
            "import multiprocessing\n"
            "try:\n    multiprocessing.Pool(2)\nexcept PermissionError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "cannot start other processes" in done.stdout, done.stderr
