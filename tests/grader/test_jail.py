"""The bubblewrap jail around a graded kernel: what a kernel can reach (needs bwrap; `make test` installs it)."""

import os

import pytest

from coursekit.grader import jail
from coursekit.grader.kernel import SandboxKernel

pytestmark = pytest.mark.skipif(not jail.bubblewrap_works(), reason="bubblewrap cannot start here")

PROBE = """
import json, os, socket
def reach():
    seen = {"token": os.environ.get("HF_TOKEN"), "hf": sorted(k for k in os.environ if k.startswith(("HF_TOKEN", "HUGGINGFACE")))}
    pkg = os.path.dirname(__import__("coursekit").__file__)
    seen["package"] = sorted(os.listdir(pkg))
    seen["repo"] = sorted(os.listdir(os.path.dirname(pkg)))
    seen["home"] = os.listdir(os.environ["HOME"])
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2); seen["net"] = True
    except OSError:
        seen["net"] = False
    seen["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    return json.dumps(seen)
"""


def test_a_jailed_kernel_sees_no_token_no_references_no_network_no_grader(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_instructor_secret")
    monkeypatch.setenv("HUGGINGFACE_HUB_TOKEN", "hf_instructor_secret")
    work, runtime = tmp_path / "work", tmp_path / "runtime"
    work.mkdir(), runtime.mkdir()
    kernel = SandboxKernel(str(work), str(runtime), 0, jail.BUBBLEWRAP)
    try:
        kernel.start(120)
        reply = kernel.execute(PROBE, 60, user_expressions={"r": "reach()"})
        seen = eval(reply.expression("r").replace("true", "True").replace("false", "False").replace("null", "None"))
    finally:
        kernel.kill()
    assert seen["token"] is None and seen["hf"] == []
    assert seen["package"] == sorted(jail.KERNEL_ROOT_MODULES + jail.KERNEL_PACKAGES)  # no tasks, no grader
    assert seen["repo"] == ["coursekit"]  # no solutions/, tests/, .git/
    assert seen["home"] == [] and seen["net"] is False
    assert os.getpid() not in seen["pids"] and len(seen["pids"]) <= 3  # its own PID namespace
