"""The boundary around a graded kernel: which isolation is chosen, and what a kernel can reach in the
bubblewrap jail and under Landlock (each skipped where this machine cannot give it; `make test`
installs bubblewrap). The attacks are in test_attacks.py."""

import json
import os

import pytest

from coursekit.grader import jail
from coursekit.grader.kernel import SandboxKernel

BUBBLEWRAP_WORKS = jail.bubblewrap_works()
LANDLOCK_ABI = jail.landlock_abi()

REACH = """
import json, os, socket
def reach():
    seen = {"token": os.environ.get("HF_TOKEN"), "hf": sorted(k for k in os.environ if k.startswith(("HF_TOKEN", "HUGGINGFACE")))}
    pkg = os.path.dirname(__import__("coursekit").__file__)
    seen["package"] = sorted(name for name in os.listdir(pkg) if not name.startswith("__pycache__"))
    for name in ("tasks/lesson05.py", "grader/runner.py", "lesson/__init__.py", "sandbox/probe.py"):
        try:
            open(os.path.join(pkg, name)).read(1)
            seen[name] = "read"
        except OSError as exc:
            seen[name] = type(exc).__name__
    try:
        seen["repo"] = sorted(os.listdir(os.path.dirname(pkg)))
    except OSError as exc:
        seen["repo"] = type(exc).__name__
    seen["home"] = os.listdir(os.environ["HOME"])
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2); seen["net"] = True
    except OSError:
        seen["net"] = False
    try:
        seen["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    except OSError as exc:
        seen["pids"] = type(exc).__name__
    return json.dumps(seen)
"""


def reach(isolation, tmp_path, monkeypatch) -> dict:
    monkeypatch.setenv("HF_TOKEN", "hf_instructor_secret")
    monkeypatch.setenv("HUGGINGFACE_HUB_TOKEN", "hf_instructor_secret")
    work, runtime = tmp_path / "work", tmp_path / "runtime"
    work.mkdir(), runtime.mkdir()
    kernel = SandboxKernel(str(work), str(runtime), 0, isolation)
    try:
        kernel.start(120)
        reply = kernel.execute(REACH, 60, user_expressions={"r": "reach()"})
        return json.loads(reply.expression("r"))
    finally:
        kernel.kill()


@pytest.mark.skipif(not BUBBLEWRAP_WORKS, reason="bubblewrap cannot start here")
def test_a_jailed_kernel_sees_no_token_no_references_no_network_no_grader(tmp_path, monkeypatch):
    seen = reach(jail.BUBBLEWRAP, tmp_path, monkeypatch)
    assert seen["token"] is None and seen["hf"] == []
    assert seen["package"] == sorted(jail.KERNEL_ROOT_MODULES + jail.KERNEL_PACKAGES)  # no tasks, no grader
    assert seen["tasks/lesson05.py"] == seen["grader/runner.py"] == "FileNotFoundError"
    assert seen["lesson/__init__.py"] == seen["sandbox/probe.py"] == "read"
    assert seen["repo"] == ["coursekit"]  # no solutions/, tests/, .git/
    assert seen["home"] == [] and seen["net"] is False
    assert os.getpid() not in seen["pids"] and len(seen["pids"]) <= 3  # its own PID namespace


@pytest.mark.skipif(not LANDLOCK_ABI, reason="Landlock is not available here")
def test_a_landlocked_kernel_reads_only_kernel_code_and_reaches_no_network(tmp_path, monkeypatch):
    seen = reach(jail.LANDLOCK, tmp_path, monkeypatch)
    assert seen["token"] is None and seen["hf"] == []
    assert seen["tasks/lesson05.py"] == seen["grader/runner.py"] == "PermissionError"  # there, but refused
    assert seen["lesson/__init__.py"] == seen["sandbox/probe.py"] == "read"
    assert seen["repo"] == seen["pids"] == "PermissionError"  # no listing of the repository or of processes
    assert seen["home"] == [] and seen["net"] is False


def test_auto_takes_bubblewrap_then_landlock_and_otherwise_refuses(monkeypatch):
    monkeypatch.setattr(jail, "bubblewrap_works", lambda: True)
    monkeypatch.setattr(jail, "landlock_abi", lambda: 7)
    assert jail.choose(jail.AUTO) == jail.BUBBLEWRAP and jail.choose(jail.LANDLOCK) == jail.LANDLOCK
    monkeypatch.setattr(jail, "bubblewrap_works", lambda: False)  # user namespaces blocked
    assert jail.choose(jail.AUTO) == jail.LANDLOCK
    with pytest.raises(jail.IsolationError, match="bubblewrap"):
        jail.choose(jail.BUBBLEWRAP)
    monkeypatch.setattr(jail, "landlock_abi", lambda: 0)
    with pytest.raises(jail.IsolationError, match="refuses.*--no-isolation"):
        jail.choose(jail.AUTO)
    assert jail.choose(jail.NONE) == jail.NONE


def test_both_isolations_give_a_kernel_the_same_paths(tmp_path):
    policy = jail.Policy.for_kernel(str(tmp_path / "work"), str(tmp_path / "connection"))
    bwrap = jail.bubblewrap_command(["python"], policy)
    landlock = jail.landlock_arguments(policy)
    package = jail.package_dir()
    for path in policy.read:
        assert path in bwrap and ["--read", path] == landlock[landlock.index(path) - 1:landlock.index(path) + 1]
    assert os.path.join(package, "lesson") in policy.read and os.path.join(package, "sandbox") in policy.read
    assert not [path for path in policy.read if path.startswith(os.path.join(package, "tasks"))]
    assert landlock.count("--write") == 2 and bwrap.count("--bind") == 2


@pytest.mark.skipif(not (BUBBLEWRAP_WORKS and LANDLOCK_ABI), reason="needs bubblewrap (to block user namespaces) and Landlock")
def test_where_user_namespaces_are_blocked_grade_falls_back_to_landlock(tmp_path, grading_seed):
    # the grader itself runs where no user namespace can be made (as under Ubuntu's AppArmor default, or in a
    # container): a read-only system, no network, only its output folder writable
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run([jail.bwrap_path(), "--unshare-user", "--disable-userns", "--unshare-net", "--ro-bind", "/",
                           "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                               "--ro-bind", str(root), str(root),  # a clone in /tmp stays visible
                               "--bind", str(out), str(out),
                           "--", sys.executable, "-m", "coursekit", "grade",
                           str(root / "solutions" / "05_troubleshooting_overfitting.ipynb"), "--out",
                           str(out / "grades.csv"), "--seed", str(grading_seed)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "3/3" in done.stdout and "isolation: landlock" in done.stdout, done.stdout
