"""The graded kernel: an IPython kernel with limits, started by the grader as its own process.

`python -m coursekit.grader.sandbox -f CONNECTION_FILE [--memory-mb N] [--protect PATH ...]`

Before any learner code runs it
* limits memory (RLIMIT_AS), file size and core dumps with `resource`;
* imports numpy and torch (and the two modules of transformers' dependencies that load C
  libraries or run `ldconfig` at import), since those need ctypes and subprocesses, which are
  refused afterwards;
* replaces `coursekit.check` with a stub: in the graded kernel the grader checks, not the notebook;
* installs an audit hook (`sys.addaudithook`, which Python code cannot remove) that refuses to open
  anything under the protected paths (the grader package, the repository's solutions/, tests/ and
  .git/, the grader's connection files, the submissions), to write, move or delete anything in the
  course's own folders, to start processes, to signal other processes, to read other processes'
  /proc entries, and any use of ctypes.
What it does not stop: memory tricks through objects ctypes created before the hook, or a learner
who pastes the public solution code into the notebook. The kernel only hands back values; the
score is computed by the grader, outside.
"""

from __future__ import annotations

import argparse
import os
import sys

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(GRADER_DIR)
PRELOADED = ("numpy", "torch", "trio", "torch.distributed.elastic.multiprocessing.redirects")
PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                  "os.forkpty", "os.startfile", "pty.spawn"}
PATH_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.truncate", "os.chmod", "os.chown", "os.link",
               "os.symlink", "os.utime", "os.mkdir", "shutil.rmtree", "shutil.copyfile", "shutil.move",
               "shutil.copytree", "os.chflags", "os.lchflags", "os.setxattr", "os.removexattr",
               "sqlite3.connect", "os.mkfifo", "os.mknod"}
# where each event carries a dir_fd (a path relative to an open folder, which the hook cannot resolve)
DIR_FD_ARGS = {"os.remove": (1,), "os.rmdir": (1,), "os.rename": (2, 3), "os.link": (2, 3), "os.symlink": (2,),
               "os.chmod": (2,), "os.chown": (3,), "os.utime": (3,), "os.mkdir": (2,), "os.mkfifo": (2,),
               "os.mknod": (3,)}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def default_protected() -> list[str]:
    """Paths the kernel may not read: the grader package, and the repository's solutions/, tests/
    and .git/ where the package is an editable install next to them."""
    repository = os.path.dirname(PACKAGE_DIR)
    near = [os.path.join(repository, name) for name in ("solutions", "tests", ".git")]
    return [GRADER_DIR] + [path for path in near if os.path.exists(path)]


def read_only_roots() -> list[str]:
    """Paths the kernel may read but not change: the course package and, in a checkout, the repository."""
    repository = os.path.dirname(PACKAGE_DIR)
    is_checkout = os.path.exists(os.path.join(repository, "pyproject.toml"))
    return [PACKAGE_DIR] + ([repository] if is_checkout else [])


def limit_resources(memory_mb: int) -> None:
    """Cap the address space at `memory_mb`, written files at 256 MiB, and turn off core dumps."""
    import resource

    wanted = [(resource.RLIMIT_FSIZE, 256 * 2**20), (resource.RLIMIT_CORE, 0)]
    wanted += [(resource.RLIMIT_AS, memory_mb * 2**20)] if memory_mb > 0 else []
    for limit, value in wanted:
        _, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):  # a platform without this limit: the wall-clock limits still hold
            pass


def preload() -> None:
    """Import the libraries that need ctypes or subprocesses at import time, while both are allowed."""
    import importlib

    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional library is the learner's problem, not the kernel's
            pass
    from . import probe  # noqa: F401  (cached in sys.modules: the hook will not let it be read later)


def _graded_check(task_id: str, answer=None) -> None:
    """`coursekit.check` in the graded kernel: the grader checks each function itself."""
    print(f"{task_id}: checked by the grader")


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def _resolve(path) -> str | None:
    if isinstance(path, int) or path is None:
        return None
    try:
        return os.path.realpath(os.fsdecode(path))
    except Exception:
        return None


def _other_process(path: str, own: str) -> bool:
    parts = path.split(os.sep)
    return len(parts) > 2 and parts[1] == "proc" and parts[2].isdigit() and parts[2] != own


def _holds(folder: str, roots: tuple[str, ...]) -> bool:
    """Whether `folder` is one of `roots` or a folder above one of them."""
    prefix = folder.rstrip(os.sep) + os.sep
    return any(root == folder or root.startswith(prefix) for root in roots)


def _climbs(path) -> bool:
    """Whether a relative path goes up (".."): relative to an open folder (dir_fd), the hook cannot
    tell where that ends."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    text = os.fsdecode(path)
    return not os.path.isabs(text) and ".." in text.split(os.sep)


def _writes(mode, flags) -> bool:
    if isinstance(mode, str) and any(ch in mode for ch in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & WRITE_FLAGS)


def _with_dir_fd(event: str, args: tuple) -> bool:
    return any(len(args) > index and args[index] not in (None, -1) for index in DIR_FD_ARGS.get(event, ()))


def make_hook(protected: list[str], read_only: list[str], workdir: str | None = None):
    """The audit hook: refuses the events listed in this module's docstring. workdir: the kernel's
    own folder (the current one by default), the only place where a folder may be opened as a file
    descriptor (os.open), since a path relative to one (dir_fd) reaches the event unresolved."""
    hidden = tuple(os.path.realpath(path) for path in protected)
    fixed = tuple(os.path.realpath(path) for path in read_only) + hidden
    own = str(os.getpid())
    home = (os.path.realpath(workdir or os.getcwd()),)
    proc = (os.path.join(os.sep, "proc"),)

    def refuse(what: str):
        raise PermissionError(f"The grader's sandbox does not allow {what}.")

    def check_open(args: tuple) -> None:
        path = _resolve(args[0])
        if path is None:
            return
        if _inside(path, hidden) or _other_process(path, own):
            refuse(f"reading {args[0]}")
        if _writes(args[1], args[2] if len(args) > 2 else None) and _inside(path, fixed):
            refuse(f"changing {args[0]}")
        if args[1] is None:  # os.open, the only way to a folder's file descriptor (and to dir_fd)
            if _climbs(args[0]):
                refuse(f"opening {args[0]} (a relative path that goes up)")
            if not _inside(path, home) and os.path.isdir(path):
                refuse(f"opening the folder {args[0]}")

    def check_paths(event: str, args: tuple) -> None:
        if _with_dir_fd(event, args) and any(_climbs(arg) for arg in args[:2]):
            refuse(f"{event} on a relative path that goes up")
        if event == "os.symlink" and args:
            target = _resolve(args[0])
            if _climbs(args[0]) or (target and (_holds(target, fixed + proc) or _inside(target, fixed + proc))):
                refuse(f"a link to {args[0]}")
        for arg in args:
            path = _resolve(arg) if isinstance(arg, (str, bytes, os.PathLike)) else None
            if path and _inside(path, fixed):
                refuse(f"changing {arg}")

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            check_open(args)
        elif event in PROCESS_EVENTS:
            refuse("starting other processes")
        elif event.startswith("ctypes."):
            refuse("ctypes")
        elif event in ("os.kill", "os.killpg") and args and args[0] not in (os.getpid(), 0):
            refuse("signalling other processes")
        elif event in PATH_EVENTS:
            check_paths(event, args)

    return hook


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: -f CONNECTION_FILE, --memory-mb, --protect PATH (repeatable), --parent PID."""
    parser = argparse.ArgumentParser(prog="python -m coursekit.grader.sandbox")
    parser.add_argument("-f", dest="connection_file", required=True)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--protect", action="append", default=[])
    parser.add_argument("--parent", type=int, default=0, help="the grader's pid: the kernel exits when it is gone")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Limit, preload, stub `coursekit.check`, start the kernel, lock it down, then serve."""
    args = parse_args(argv)
    limit_resources(args.memory_mb)
    preload()
    import coursekit
    from ipykernel.kernelapp import IPKernelApp

    coursekit.check = _graded_check
    app = IPKernelApp.instance()
    app.initialize(["-f", args.connection_file, "--HistoryManager.enabled=False", "--quiet",
                    f"--IPKernelApp.parent_handle={args.parent}"])
    sys.addaudithook(make_hook(default_protected() + args.protect, read_only_roots()))
    app.start()


if __name__ == "__main__":
    main()
