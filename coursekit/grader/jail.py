"""The operating system's boundary around a graded kernel, and which one this machine can give.

Both isolations give a kernel the same view, built from one list (`Policy`): read-only the system
(/usr and the /lib, /bin links, a few files of /etc), Python's installation (its site-packages
included), the offline assets and, of coursekit, only the packages a kernel runs (`coursekit.lesson`
and `coursekit.sandbox`, with the package's `__init__.py` and `errors.py`: never `coursekit.tasks`,
whose references are not there at all, nor the grader or the tooling); writable only its own
scratch folder (its working folder and empty HOME) and its own connection folder (ZMQ over `ipc`
sockets); an environment built from an allow-list (no tokens, no `HF_*` credentials, no
instructor paths).

* bubblewrap (`bwrap`): new user, PID, IPC, network, UTS and cgroup namespaces and a root file system
  built from nothing but the policy's binds, read-only; a private /tmp, /proc and /dev. What is not
  bound (solutions/, tests/, .git/, HOME, the submissions, other kernels' folders) does not exist.
  Killing the jail's outer process ends every process inside (its PID namespace dies with it).
* landlock, where bwrap cannot start (unprivileged user namespaces blocked): the kernel restricts
  itself before any learner code runs (coursekit/sandbox/startup.py): it drops every capability,
  takes the same paths as Landlock rules (no exec, no TCP, no signal outside itself, as far as the
  running Linux kernel's Landlock ABI goes) and a seccomp filter against IP sockets (UDP included).
  The files it may not read exist but are refused; there is no PID namespace (the grader kills what a
  kernel leaves behind: reaper.py).
* none (`--no-isolation` only): the kernel runs as the grader's user with the grader's files and
  network; only the tripwire, which is not a boundary.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

AUTO, BUBBLEWRAP, LANDLOCK, NONE = "auto", "bubblewrap", "landlock", "none"
CHOICES = (AUTO, BUBBLEWRAP, LANDLOCK, NONE)
# The only variables of the grader's environment a kernel gets (tokens, HF_* credentials, SSH agents and
# instructor paths are never among them); each is copied only when set.
ALLOWED_VARIABLES = ("LANG", "LANGUAGE", "TZ", "COURSEKIT_SOURCE", "COURSEKIT_DEVICE", "COURSEKIT_PRECISION")
ALLOWED_PREFIXES = ("LC_",)
KERNEL_PACKAGES = ("lesson", "sandbox")  # the subpackages of coursekit a graded kernel imports
KERNEL_ROOT_MODULES = ("__init__.py", "errors.py")  # coursekit's own modules those import
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/ca-certificates")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


class IsolationError(RuntimeError):
    """The isolation asked for is not available here, and grading without it was not asked for."""


def package_dir() -> str:
    """The coursekit package the grader itself runs (the kernels import the same one)."""
    import coursekit

    return os.path.dirname(os.path.realpath(coursekit.__file__))


def assets_dir() -> str:
    from ..lesson.assets import cache_dir

    return os.path.realpath(str(cache_dir()))


@dataclass(frozen=True)
class Policy:
    """What one kernel may reach: `read` (read-only paths), `write` (its scratch and connection folders)."""

    read: tuple[str, ...]
    write: tuple[str, ...]

    @classmethod
    def for_kernel(cls, workdir: str, connection_dir: str) -> "Policy":
        return cls(tuple(_system_paths() + _python_paths() + [assets_dir()] + kernel_code()),
                   (workdir, connection_dir))


def _system_paths() -> list[str]:
    folders = ["/usr"] + [f"/{name}" for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32")]
    return [path for path in folders + list(SYSTEM_FILES) if os.path.exists(path)]


def _python_paths() -> list[str]:
    prefixes = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    return sorted(prefix for prefix in prefixes if prefix != "/usr" and not prefix.startswith("/usr/"))


def kernel_code() -> list[str]:
    """The parts of coursekit a graded kernel may read: whole packages, and the package's own two modules."""
    package = package_dir()
    return [os.path.join(package, name) for name in KERNEL_ROOT_MODULES + KERNEL_PACKAGES]


# ---- which isolation ----------------------------------------------------------------------------------

def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=1)
def bubblewrap_works() -> bool:
    """Whether bwrap is installed and can create the namespaces (user namespaces may be blocked)."""
    bwrap = bwrap_path()
    if bwrap is None:
        return False
    try:
        done = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", *_system_binds(_system_paths() + _python_paths()),
                               "--proc", "/proc", "--dev", "/dev", sys.executable, "-c", "pass"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def landlock_abi() -> int:
    """The Landlock ABI this Linux kernel offers a process (0: none)."""
    if not sys.platform.startswith("linux"):
        return 0
    from ..sandbox.landlock import abi_version

    return abi_version()


HOW_TO_ENABLE = ("install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; `make test` does it) and "
                 "allow unprivileged user namespaces (Ubuntu 23.10+: an AppArmor profile for bwrap, or "
                 "`sysctl kernel.apparmor_restrict_unprivileged_userns=0`), or boot a Linux kernel with Landlock "
                 "(5.13+, `landlock` in its lsm= list); elsewhere grade inside a container (docs/grading.md); "
                 "or pass --no-isolation to grade with only a tripwire that is not a boundary")


def choose(isolation: str = AUTO) -> str:
    """The isolation to grade under: "bubblewrap", else "landlock" (auto picks the first that works
    here), or "none" when asked for; IsolationError when the one asked for is not available."""
    if isolation not in CHOICES:
        raise IsolationError(f"unknown isolation {isolation!r}: one of {', '.join(CHOICES)}")
    if isolation == NONE:
        return NONE
    if isolation in (AUTO, BUBBLEWRAP) and bubblewrap_works():
        return BUBBLEWRAP
    if isolation in (AUTO, LANDLOCK) and landlock_abi() >= 1:
        return LANDLOCK
    bwrap = "bubblewrap does not start here" if bwrap_path() else "bubblewrap is not installed"
    missing = {AUTO: f"{bwrap} and Landlock is not available", BUBBLEWRAP: bwrap,
               LANDLOCK: "Landlock is not available"}[isolation]
    raise IsolationError(f"coursekit grade refuses to run learners' code without isolation: {missing}. "
                         f"To enable it, {HOW_TO_ENABLE}.")


# ---- the kernel's command and environment ------------------------------------------------------------

def environment(workdir: str, assets: str) -> dict:
    """A jailed kernel's environment, from the allow-list and fixed values only."""
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


def _system_binds(paths: list[str]) -> list[str]:
    binds = []
    for path in paths:
        if os.path.islink(path):  # /lib -> usr/lib on merged-/usr systems
            binds += ["--symlink", os.readlink(path), path]
        else:
            binds += ["--ro-bind", path, path]
    return binds


def bubblewrap_command(kernel_command: list[str], policy: Policy) -> list[str]:
    """`kernel_command` in a bubblewrap jail that holds the policy's paths and nothing else."""
    binds = _system_binds(list(policy.read))
    for path in policy.write:
        binds += ["--bind", path, path]
    # bwrap makes the folders above a bind inside the mount that holds them: in the private /tmp those stay
    # writable, so with course files under /tmp (a clone in /tmp) that tmpfs is made read-only as well; the
    # kernel's scratch folder (its TMPDIR) is a bind of its own and stays writable
    tmp_too = ["--remount-ro", "/tmp"] if any(path.startswith("/tmp/") for path in policy.read) else []
    return [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", *binds, *tmp_too, "--remount-ro", "/",
            "--chdir", policy.write[0], "--", *kernel_command]


def landlock_arguments(policy: Policy) -> list[str]:
    """The sandbox's options that make it restrict itself to the policy (coursekit/sandbox/startup.py)."""
    arguments = ["--landlock"]
    for path in policy.read:
        arguments += ["--read", path]
    arguments += ["--list", package_dir()]  # to import from its packages; their files are rules of their own
    for path in DEVICES:
        arguments += ["--device", path]
    for path in policy.write:
        arguments += ["--write", path]
    return arguments
