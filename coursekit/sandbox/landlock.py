"""Landlock: a graded kernel restricting itself, where no bubblewrap jail can start (Linux 5.13+).

Where unprivileged user namespaces are blocked (Ubuntu 23.10+'s AppArmor default, some
containers) bubblewrap cannot start, but any process may still give up rights for good with
Landlock. `restrict()` builds a ruleset that handles every kind of access the running Linux
kernel's Landlock ABI knows, and grants back only what its rules list:

* file system (ABI 1+): reading and listing only beneath the given read-only paths, and everything
  but executing beneath the writable ones; no file may be executed (a process forked later cannot
  exec a program either); listing only (no reading) for the `listable` folders;
* network (ABI 4+): no TCP bind or connect at all (Landlock does not cover UDP);
* scopes (ABI 6+): no signal to, and no abstract unix socket of, any process outside the domain
  (the grader, a classmate's kernel).

It applies to this process and to every thread and process it starts afterwards, and cannot be
undone. Threads that already run are not restricted, so it refuses a process with more than one
thread: call it before anything starts a thread. Python has no binding: the three system calls go
through ctypes (they are numbered 444-446 on every architecture).
"""

from __future__ import annotations

import ctypes
import os

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# file-system rights (include/uapi/linux/landlock.h), and the ABI that introduced each
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the only rights a rule on a file may hold
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4+
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6+

READ = READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE | IOCTL_DEV
WRITE = FS_RIGHTS_BY_ABI[5] & ~EXECUTE & ~MAKE_CHAR & ~MAKE_BLOCK


class LandlockError(OSError):
    """Landlock is not available here, or the restriction could not be applied."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The Landlock ABI the running Linux kernel offers (0: none, or blocked here)."""
    try:
        version = _libc().syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _fail(what: str) -> LandlockError:
    errno = ctypes.get_errno()
    return LandlockError(errno, f"Landlock: {what} failed ({os.strerror(errno)})")


def thread_count() -> int:
    """Threads of this process (Landlock restricts only the calling thread and what it starts)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def restrict(read: list[str], writable: list[str], devices: list[str] = (), listable: list[str] = ()) -> dict:
    """Restrict this process for good (see the module docstring); what was restricted:
    {"abi": N, "file_system": True, "network": bool, "signals": bool}. LandlockError if it cannot be."""
    abi = abi_version()
    if abi < 1:
        raise LandlockError("Landlock is not enabled in this Linux kernel (it needs 5.13+ with landlock in the "
                            "lsm= boot list)")
    if thread_count() != 1:
        raise LandlockError(f"Landlock: {thread_count()} threads already run (only a single-threaded process "
                            f"can be restricted as a whole)")
    handled_fs = FS_RIGHTS_BY_ABI[min(abi, 5)]
    attr = _RulesetAttr(handled_fs, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    libc = _libc()
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise _fail("creating the ruleset")
    try:
        rules = [(path, READ) for path in read] + [(path, READ_DIR) for path in listable]
        rules += [(path, DEVICE) for path in devices] + [(path, WRITE) for path in writable]
        for path, rights in rules:
            _add_rule(libc, ruleset, path, rights & handled_fs)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise _fail("restricting this process")
    finally:
        os.close(ruleset)
    return {"abi": abi, "file_system": True, "network": abi >= 4, "signals": abi >= 6}


def _add_rule(libc, ruleset: int, path: str, rights: int) -> None:
    """Grant `rights` beneath `path` (only a file's own rights on a file); a path that is absent is skipped."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(rights, fd)
        if libc.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule),
                        ctypes.c_uint32(0)) != 0:
            raise _fail(f"a rule for {path}")
    finally:
        os.close(fd)
