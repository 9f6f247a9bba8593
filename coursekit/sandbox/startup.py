"""The graded kernel's start-up: `python -m coursekit.sandbox -f CONNECTION_FILE [options]`.

The grader starts it as its own process, inside a bubblewrap jail, or with `--landlock` where no
jail can start, or bare under `coursekit grade --no-isolation`. Before any learner code runs it
1. limits memory (RLIMIT_AS), written file size and core dumps;
2. imports numpy and torch (and the two modules of transformers' dependencies that load C libraries
   or run `ldconfig` at import), which need ctypes and programs the tripwire and Landlock refuse;
3. replaces `coursekit.check` with a stub: in a graded kernel the grader checks, not the notebook;
4. with `--landlock`, restricts itself for good: drops every capability (capabilities.py: a grader
   run as root), then with Landlock (landlock.py) reads only the --read paths, lists the --list
   folders, writes only in the --write folders, executes nothing, opens no TCP connection and
   signals no process outside itself (network and signals where the running Linux kernel's Landlock
   ABI has them), and with seccomp (seccomp.py) creates no IPv4/IPv6 socket at all (UDP included).
   This happens while the process has a single thread, so every thread the IPython kernel starts
   afterwards is restricted too; if any step fails the kernel exits before any learner code runs;
5. installs the tripwire (tripwire.py: clear messages, not a boundary);
6. starts the IPython kernel on the connection file.
"""

from __future__ import annotations

import argparse
import sys

PRELOADED = ("numpy", "torch", "trio", "torch.distributed.elastic.multiprocessing.redirects")
GRADED_CHECK_MESSAGE = "checked by the grader"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m coursekit.sandbox")
    parser.add_argument("-f", dest="connection_file", required=True)
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit, 0 for none")
    parser.add_argument("--parent", type=int, default=0, help="the grader's pid: the kernel exits when it is gone")
    parser.add_argument("--landlock", action="store_true", help="restrict this process with Landlock")
    for option, what in (("--read", "readable"), ("--list", "listable"), ("--write", "writable"),
                         ("--device", "device")):
        parser.add_argument(option, action="append", default=[], metavar="PATH",
                            help=f"with --landlock: a {what} path (repeatable)")
    return parser.parse_args(argv)


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
    """Import the libraries that need ctypes or programs at import time, while both are allowed."""
    import importlib

    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional library is the learner's problem, not the kernel's
            pass
    from . import probe  # noqa: F401  (the first call of a learner's function is then quick)


def _graded_check(task_id: str, answer=None) -> None:
    """`coursekit.check` in the graded kernel: the grader checks each function itself."""
    print(f"{task_id}: {GRADED_CHECK_MESSAGE}")


def main(argv: list[str] | None = None) -> None:
    """Steps 1-6 of the module docstring; exits with a message on stderr if Landlock cannot be applied."""
    args = parse_args(argv)
    limit_resources(args.memory_mb)
    preload()
    import coursekit

    coursekit.check = _graded_check
    if args.landlock:
        from . import capabilities, landlock, seccomp

        try:
            capabilities.drop_all()
            landlock.restrict(args.read, args.write, args.device, args.list)
            seccomp.deny_ip_sockets()
        except OSError as exc:
            sys.exit(f"coursekit.sandbox: {exc}")  # fail closed: no learner code runs unrestricted
    from ipykernel.kernelapp import IPKernelApp

    from . import tripwire

    app = IPKernelApp.instance()
    app.initialize(["-f", args.connection_file, "--HistoryManager.enabled=False", "--quiet",
                    f"--IPKernelApp.parent_handle={args.parent}"])
    tripwire.install()
    app.start()
