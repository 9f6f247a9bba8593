"""No IP sockets: a seccomp filter that fails socket(AF_INET/AF_INET6) and io_uring with EACCES (Linux).

Landlock's network rules cover TCP only (and only from ABI 4), so a Landlocked kernel could still
send UDP (DNS included) anywhere. This filter closes that: the process, and every thread and
process it starts later, can create no IPv4 or IPv6 socket at all (unix sockets stay), nor an
io_uring (whose socket operations would go around the filter). Filters cannot be removed. Built
for x86_64 and aarch64; `deny_ip_sockets()` says whether it was applied.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import sys

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
LD_W_ABS, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06
AF_INET, AF_INET6 = 2, 10
IO_URING_SETUP = 425
X32_SYSCALL_BIT = 0x40000000
# machine -> (the AUDIT_ARCH_* value seccomp reports, the number of socket(2))
ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def program(arch: int, socket_nr: int) -> list[tuple[int, int, int, int]]:
    """The BPF program: (code, jump if true, jump if false, k) per instruction."""
    deny, allow = 10, 9  # the indexes of the two returns below; a jump is relative to the next instruction
    return [
        (LD_W_ABS, 0, 0, 4),  # 0: the architecture
        (JEQ_K, 0, deny - 2, arch),  # 1: another ABI (i386 on x86_64): nothing allowed
        (LD_W_ABS, 0, 0, 0),  # 2: the system call's number
        (JGE_K, deny - 4, 0, X32_SYSCALL_BIT),  # 3: x32 calls
        (JEQ_K, deny - 5, 0, IO_URING_SETUP),  # 4
        (JEQ_K, 0, allow - 6, socket_nr),  # 5: not socket(): allowed
        (LD_W_ABS, 0, 0, 16),  # 6: socket()'s first argument, the address family (low word)
        (JEQ_K, deny - 8, 0, AF_INET),  # 7
        (JEQ_K, deny - 9, 0, AF_INET6),  # 8
        (RET_K, 0, 0, RET_ALLOW),  # 9
        (RET_K, 0, 0, RET_ERRNO | errno.EACCES),  # 10
    ]


def deny_ip_sockets() -> bool:
    """Install the filter on this process for good; False where it is not built for this machine.
    OSError if the kernel refuses it."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in ARCHES or sys.byteorder != "little":
        return False
    instructions = (_Filter * 11)(*[_Filter(*step) for step in program(*ARCHES[machine])])
    prog = _Program(len(instructions), instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"seccomp: the filter was refused ({errno.errorcode.get(code, code)})")
    return True
