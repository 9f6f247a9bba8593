"""The graded kernel's audit hook, called directly with the events Python would raise (no kernel):
each kind of escape the red team found is refused, and the ordinary work of a notebook is not."""

import os

import pytest

from coursekit.grader.sandbox import make_hook


@pytest.fixture
def hook(tmp_path):
    hidden, fixed, home = tmp_path / "grader", tmp_path / "course", tmp_path / "kernel"
    for folder in (hidden, fixed, home):
        folder.mkdir()
    (hidden / "lesson05.py").write_text("SECRET = 1")
    (fixed / "lesson.py").write_text("x = 1")
    return make_hook([str(hidden)], [str(fixed)], workdir=str(home)), tmp_path


def refused(hook, event, *args):
    with pytest.raises(PermissionError, match="sandbox does not allow"):
        hook(event, args)


def test_reading_the_grader_is_refused_writing_its_own_folder_is_not(hook):
    hook, root = hook
    refused(hook, "open", str(root / "grader" / "lesson05.py"), "r", os.O_RDONLY)
    hook("open", (str(root / "course" / "lesson.py"), "r", os.O_RDONLY))  # reading the course is fine
    refused(hook, "open", str(root / "course" / "lesson.py"), "w", os.O_WRONLY)
    hook("open", (str(root / "kernel" / "scratch.txt"), "w", os.O_WRONLY | os.O_CREAT))


def test_processes_ctypes_and_signals_to_others_are_refused(hook):
    hook, _ = hook
    refused(hook, "subprocess.Popen", "sh", ["sh"], None, None)
    refused(hook, "os.system", "sh")
    refused(hook, "ctypes.dlopen", "libc.so.6")
    refused(hook, "os.kill", 1, 9)
    hook("os.kill", (os.getpid(), 0))  # its own process: allowed


def test_other_processes_proc_entries_are_refused(hook):
    hook, _ = hook
    refused(hook, "open", "/proc/1/environ", "r", os.O_RDONLY)
    hook("open", (f"/proc/{os.getpid()}/status", "r", os.O_RDONLY))


def test_paths_relative_to_an_open_folder_cannot_climb_out(hook):
    hook, root = hook
    refused(hook, "os.remove", "../course/lesson.py", 3)  # dir_fd=3: the hook cannot resolve it
    refused(hook, "open", "../course", None, os.O_RDONLY)  # os.open of a relative path that goes up
    refused(hook, "open", str(root / "course"), None, os.O_RDONLY)  # a folder outside the kernel's own
    hook("open", (str(root / "kernel"), None, os.O_RDONLY))


def test_links_to_protected_places_and_changes_to_the_course_are_refused(hook):
    hook, root = hook
    refused(hook, "os.symlink", str(root / "course"), str(root / "kernel" / "link"), None)
    refused(hook, "os.symlink", "/proc", str(root / "kernel" / "p"), None)
    refused(hook, "os.remove", str(root / "course" / "lesson.py"), None)
    refused(hook, "os.rename", str(root / "kernel" / "a"), str(root / "course" / "lesson.py"), None, None)
    hook("os.remove", (str(root / "kernel" / "scratch.txt"), None))
