"""The suite's own guards (conftest.py, pyproject's pytest settings): each must really hold, or the tests
that rely on them prove less than they say."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from coursekit.lesson.sources import PROBE_PATH


def test_a_test_may_connect_only_to_loopback():
    with socket.socket() as outside, pytest.warns(UserWarning), pytest.raises(Exception, match="allowed"):
        outside.connect(("192.0.2.1", 80))  # TEST-NET-1 (RFC 5737): refused before any packet leaves
    with socket.create_server(("127.0.0.1", 0)) as server, socket.socket() as inside:
        inside.connect(server.getsockname())  # loopback stays open: the silent Hub, kernels' ZMQ


def test_unix_sockets_stay_open_for_kernels():
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        left.sendall(b"ipc")
        assert right.recv(3) == b"ipc"


@pytest.mark.network
def test_a_network_test_may_connect_anywhere():
    with socket.socket() as outside:
        outside.settimeout(0.05)
        with pytest.raises(OSError):  # not pytest-socket's refusal: the packet may leave (and get no answer)
            outside.connect(("192.0.2.1", 80))


def test_a_fresh_interpreter_may_connect_only_to_loopback(hanging_hub_python):
    result = hanging_hub_python.run("import socket\n"
                                    "try:\n"
                                    "    socket.create_connection(('192.0.2.1', 80), timeout=5)\n"
                                    "except ConnectionRefusedError as error:\n"
                                    "    print(error)\n")
    assert "only loopback may be reached" in result.stdout, result.stderr[-2000:]


def test_a_fresh_interpreter_reads_the_silent_hub_at_import(hanging_hub_python):
    result = hanging_hub_python.run("import huggingface_hub, evaluate, datasets\n"
                                    "print(huggingface_hub.constants.ENDPOINT, evaluate.config.HF_ENDPOINT,"
                                    " huggingface_hub.is_offline_mode(), datasets.config.HF_HUB_OFFLINE)")
    url = hanging_hub_python.hub.url
    assert result.stdout.split() == [url, url, "False", "False"], result.stderr[-2000:]


def test_the_silent_hub_records_what_is_asked_and_never_answers(silent_hub):
    import urllib.request

    with pytest.raises(OSError):
        urllib.request.urlopen(silent_hub.url + PROBE_PATH, timeout=0.3)
    request = urllib.request.Request(silent_hub.url + "/bert-base-uncased/resolve/main/config.json", method="HEAD")
    with pytest.raises(OSError):
        urllib.request.urlopen(request, timeout=0.3)
    assert silent_hub.requests() == [f"GET {PROBE_PATH}", "HEAD /bert-base-uncased/resolve/main/config.json"]


@pytest.mark.parametrize("step", ["set", "check"])
def test_the_environment_comes_back_after_each_test(step):
    # Run in either order: whichever runs second must not see what the other set.
    assert "COURSEKIT_TEST_LEAK" not in os.environ
    os.environ["COURSEKIT_TEST_LEAK"] = step


def test_offline_mode_is_undone_after_each_test():
    import huggingface_hub

    from coursekit.lesson.sources import resolve_source

    resolve_source("offline")  # the next tests see the flags they started with (the check is in conftest)
    assert huggingface_hub.is_offline_mode()


def test_the_session_runs_the_offline_source():
    assert os.environ["COURSEKIT_SOURCE"] == "offline"


def test_notebook_cells_keep_their_order_when_the_unit_tests_are_shuffled(tmp_path):
    import nbformat

    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "conftest.py", tmp_path / "conftest.py")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = {i}") for i in range(8)])
    nbformat.write(notebook, tmp_path / "order.ipynb")
    (tmp_path / "test_units.py").write_text("".join(f"def test_{i}():\n    pass\n" for i in range(8)))
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval-lax", "--randomly-seed=1",
                             "order.ipynb", "test_units.py"], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(root)})
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    units = [f"test_units.py::test_{i}" for i in range(8)]
    assert sorted(collected[:8]) == units and collected[:8] != units, result.stdout + result.stderr  # shuffled
    assert collected[8:] == [f"order.ipynb::Cell {i}" for i in range(8)]  # in order, after the unit tests
