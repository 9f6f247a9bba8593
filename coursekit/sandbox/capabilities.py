"""Dropping every Linux capability of this process (a grader run as root gives its kernels root's).

Landlock confines files, TCP and signals, but a process that holds capabilities could still load a
kernel module, reboot, reconfigure the network or open raw sockets. `drop_all()` empties the
bounding set (so nothing regains them) and the effective, permitted, inheritable and ambient sets.
The user id stays; capabilities are what root's power rests on. Nothing to do for an ordinary user.
"""

from __future__ import annotations

import ctypes
import os

PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
CAPABILITY_VERSION_3 = 0x20080522


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return 63


def drop_all() -> None:
    """Drop every capability of this process for good; OSError if the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(_last_capability() + 1):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # fails without CAP_SETPCAP: then nothing to drop
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    empty = (_Data * 2)()
    if libc.capset(ctypes.byref(_Header(CAPABILITY_VERSION_3, 0)), empty) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"capset: {os.strerror(code)}")
