"""The operating system's boundary around a graded kernel: a bubblewrap jail (Linux).

Each kernel runs under `bwrap` in new user, PID, IPC, network, UTS and cgroup namespaces, with a
root file system built from nothing: read-only binds of the system (/usr and the /lib, /bin links),
Python's installation (its site-packages included), the offline assets, and of the coursekit
package only the parts a kernel needs (the grader's folder holds only the sandbox and the probe:
the references, the gradebook, solutions/, tests/ and .git/ are not there at all); a private /tmp,
/proc and /dev; the kernel's scratch folder (its working folder, its empty HOME) and its own
connection folder (ZMQ `ipc` sockets, no network) as the only writable places. Other kernels'
folders and the submissions are simply absent. The environment is built from an allow-list.
The audit hook in sandbox.py still runs inside, as a tripwire that explains refusals to honest
learners; the jail is the boundary.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

BUBBLEWRAP = "bubblewrap"
NONE = "none"
# The only variables the grader's environment lends a kernel (tokens, HF_* credentials, SSH agents and
# instructor paths are never among them); each is copied only when set.
ALLOWED_VARIABLES = ("LANG", "LANGUAGE", "TZ", "COURSEKIT_SOURCE", "COURSEKIT_DEVICE", "COURSEKIT_PRECISION")
ALLOWED_PREFIXES = ("LC_",)
KERNEL_FILES = ("__init__.py", "sandbox.py", "probe.py")  # of coursekit/grader: what runs inside the kernel
HIDDEN_PACKAGES = ("tooling",)  # never needed inside a kernel


class IsolationError(RuntimeError):
    """No isolation is available and grading without it was not asked for."""


def package_dir() -> str:
    """The coursekit package the grader itself runs (the kernels import the same one)."""
    import coursekit

    return os.path.dirname(os.path.realpath(coursekit.__file__))


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=1)
def bubblewrap_works() -> bool:
    """Whether bwrap is installed and can create the namespaces (user namespaces may be blocked)."""
    bwrap = bwrap_path()
    if bwrap is None:
        return False
    try:
        done = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", *_system_binds(), "--proc", "/proc",
                               "--dev", "/dev", sys.executable, "-c", "pass"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


HOW_TO_ENABLE = ("install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; `make test` does it) and "
                 "allow unprivileged user namespaces (Ubuntu 23.10+: an AppArmor profile for bwrap, or "
                 "`sysctl kernel.apparmor_restrict_unprivileged_userns=0`); elsewhere grade inside a container "
                 "(docs/grading.md); or pass --no-isolation to grade with only the audit hook (not a boundary)")


def choose(isolation: str = "auto") -> str:
    """The isolation to grade under: "bubblewrap", or "none" when asked for; IsolationError otherwise."""
    if isolation == NONE:
        return NONE
    if bubblewrap_works():
        return BUBBLEWRAP
    raise IsolationError(f"coursekit grade refuses to run learners' code without isolation: bubblewrap "
                         f"{'does not start here' if bwrap_path() else 'is not installed'}. To enable it, "
                         f"{HOW_TO_ENABLE}.")


def _system_binds() -> list[str]:
    binds = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            binds += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            binds += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/ca-certificates"):
        if os.path.exists(path):
            binds += ["--ro-bind", path, path]
    for prefix in {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}:
        if not prefix.startswith("/usr/") and prefix != "/usr":
            binds += ["--ro-bind", prefix, prefix]
    return binds


def _package_binds(package: str) -> list[str]:
    """coursekit without the instructor's side: its grader folder holds only the kernel's modules."""
    binds = ["--ro-bind", package, package, "--tmpfs", os.path.join(package, "grader")]
    for name in KERNEL_FILES:
        path = os.path.join(package, "grader", name)
        binds += ["--ro-bind", path, path]
    for name in HIDDEN_PACKAGES:
        if os.path.isdir(os.path.join(package, name)):
            binds += ["--tmpfs", os.path.join(package, name)]
    return binds


def environment(workdir: str, assets: str) -> dict:
    """The kernel's environment, from the allow-list and fixed values only."""
    env = {name: value for name, value in os.environ.items()
           if name in ALLOWED_VARIABLES or name.startswith(ALLOWED_PREFIXES)}
    home = os.path.join(workdir, "home")
    env.update({"PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin", "HOME": home,
                "COURSEKIT_CACHE": assets, "HF_HOME": os.path.join(home, ".hf"), "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONPATH": os.path.dirname(package_dir()),
                "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "MPLBACKEND": "Agg", "TMPDIR": workdir,
                "IPYTHONDIR": os.path.join(workdir, ".ipython"), "MPLCONFIGDIR": os.path.join(workdir, ".mpl")})
    return env


def assets_dir() -> str:
    from ..lesson.assets import cache_dir

    return os.path.realpath(str(cache_dir()))


def command(kernel_command: list[str], workdir: str, connection_dir: str) -> list[str]:
    """`kernel_command` wrapped in its jail: `workdir` (scratch) and `connection_dir` (its sockets) writable."""
    assets = assets_dir()
    jail = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            *_package_binds(package_dir())]
    if os.path.isdir(assets):
        jail += ["--ro-bind", assets, assets]
    jail += ["--bind", workdir, workdir, "--bind", connection_dir, connection_dir, "--chdir", workdir]
    return jail + ["--", *kernel_command]
