"""What every test run shares: its environment, markers and order, a Hub that hangs, and a run-time report.

- The environment: each test gets back the environment variables (and the Hugging Face libraries' offline
  flags) it started with, so no test leaks them into a later one; importing a test module must not change
  the variables coursekit and the Hugging Face libraries read (collection fails, naming them).
- Markers: notebook cells (nbval) and the files in SLOW are `slow`; a `network` test may open sockets,
  every other one may only connect to loopback (pytest-socket, configured in pyproject.toml; it guards
  this process only, not the kernels and subprocesses tests start).
- Order: pytest-randomly shuffles the unit tests; notebook cells keep their order (each cell needs the ones
  above it), after the unit tests.
- Notebook output folders start empty: the lessons write `outputs/` next to themselves, and a folder an
  earlier run left behind would feed the cells that list it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from coursekit.lesson.sources import LIBRARY_OFFLINE_FLAGS

ROOT = Path(__file__).resolve().parent

# The offline source is the one CI proves. Set for the whole session (kernels inherit it), restored after.
SESSION_ENVIRONMENT = {"COURSEKIT_SOURCE": "offline"}
# Tests that take minutes (`make test-fast` leaves them out), declared here in one place, with the reason.
SLOW = {
    "tests/tooling/test_train.py": "trains five times in subprocesses, once under torchrun",
    "tests/grader/test_redteam.py": "grades two dozen hostile notebooks in jailed kernels",
    "tests/grader/test_solutions.py": "grades every solution notebook in kernels",
    "tests/bench/": "runs the training-speed benchmark",
    "tests/browser/": "plays a quiz in Chromium against JupyterLab",
}
# Variables whose change at import would change what coursekit or the Hugging Face libraries do.
WATCHED_PREFIXES = ("COURSEKIT_", "HF_", "HUGGINGFACE_", "TRANSFORMERS_", "TOKENIZERS_")

_session_before: dict[str, str | None] = {}
_environment_after_configure: dict[str, str] = {}
_collection_index = pytest.StashKey[int]()
_collected = itertools.count()
_cleaned_folders: set[Path] = set()
_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes (training, grading many notebooks, notebook cells); "
                                       "`make test-fast` leaves it out")
    config.addinivalue_line("markers", "network: needs a package registry (PyPI); may open sockets")
    for name, value in SESSION_ENVIRONMENT.items():
        _session_before[name] = os.environ.get(name)
        os.environ.setdefault(name, value)
    _environment_after_configure.update(os.environ)


def pytest_unconfigure(config):
    for name, value in _session_before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _watched_changes(before: dict[str, str]) -> list[str]:
    names = set(before) | set(os.environ)
    return sorted(name for name in names
                  if name.startswith(WATCHED_PREFIXES) and before.get(name) != os.environ.get(name))


def pytest_itemcollected(item):
    item.stash[_collection_index] = next(_collected)
    if is_notebook(item) or _repository_path(item).startswith(tuple(SLOW)):
        item.add_marker(pytest.mark.slow)
    if item.get_closest_marker("network"):
        item.add_marker(pytest.mark.enable_socket)


def _repository_path(item) -> str:
    path = Path(str(item.fspath)).resolve()
    return path.relative_to(ROOT).as_posix() if ROOT in path.parents else ""


def is_notebook(item) -> bool:
    return str(item.fspath).endswith(".ipynb")


def pytest_collection_modifyitems(session, config, items):
    # Runs after pytest-randomly's shuffle: the unit tests keep their shuffled order, and the notebook
    # cells go back to the order they were collected in (notebook by notebook, cell by cell), last.
    notebooks = sorted((item for item in items if is_notebook(item)), key=lambda item: item.stash[_collection_index])
    items[:] = [item for item in items if not is_notebook(item)] + notebooks


def pytest_collection_finish(session):
    changed = _watched_changes(_environment_after_configure)
    if changed:
        raise pytest.UsageError(f"Importing the test modules changed the environment variables {changed}: "
                                f"do that inside a test or fixture (monkeypatch), never at import.")


def pytest_runtest_setup(item):
    if is_notebook(item):  # before a folder's first notebook starts its kernel: no output of an earlier run
        folder = Path(str(item.fspath)).parent
        if folder not in _cleaned_folders:
            _cleaned_folders.add(folder)
            shutil.rmtree(folder / "outputs", ignore_errors=True)


@pytest.fixture(autouse=True)
def _restore_environment():
    """Whatever a test (or the code it calls, e.g. resolve_source('offline')) sets, the next test starts clean."""
    environment = dict(os.environ)
    flags = _library_flags()
    yield
    for name in set(os.environ) - set(environment):
        del os.environ[name]
    os.environ.update(environment)
    for (module, attribute), value in flags.items():
        setattr(sys.modules[module], attribute, value)


def _library_flags() -> dict[tuple[str, str], object]:
    return {(module, attribute): getattr(sys.modules[module], attribute) for module, attribute in LIBRARY_OFFLINE_FLAGS
            if module in sys.modules and hasattr(sys.modules[module], attribute)}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = time.perf_counter()
    yield
    if is_notebook(item):
        _notebook_seconds[os.path.relpath(str(item.fspath))] += time.perf_counter() - start


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook run times")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  all notebooks")


class SilentHub:
    """A local server that accepts connections and never answers: the Hub hanging. It records the first
    line of each request it receives ("HEAD /api/models?limit=1"), so a test can tell coursekit's probe
    from a library's fetch."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._requests: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn = self._server.accept()[0]
            except OSError:
                continue
            self.connections.append(conn)
            reader = threading.Thread(target=self._read_request, args=(conn,), daemon=True)
            self._threads.append(reader)
            reader.start()

    def _read_request(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        received = b""
        while b"\r\n" not in received and not self._stop.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            received += chunk
        if b"\r\n" in received:
            method, target = received.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
            self._requests.append(f"{method} {target}")

    def requests(self, settle_s: float = 0.5) -> list[str]:
        """The request lines received so far (after letting the readers catch up)."""
        deadline = time.monotonic() + settle_s
        while len(self._requests) < len(self.connections) and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self._requests)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for conn in self.connections:
            conn.close()
        self._server.close()


# A prelude for fresh interpreters: connections anywhere but loopback fail (the child is not under pytest-socket).
LOOPBACK_ONLY = """
import socket as _socket
_connect = _socket.socket.connect
def _loopback_only(sock, address, *rest):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and host not in ("127.0.0.1", "::1", "localhost"):
        raise ConnectionRefusedError(f"test guard: only loopback may be reached, not {host}")
    return _connect(sock, address, *rest)
_socket.socket.connect = _loopback_only
"""


class HangingHubPython:
    """Runs code in a fresh interpreter that sees the Hub as `hub` (HF_ENDPOINT set before anything is
    imported, no offline switch, no COURSEKIT_SOURCE), with connections beyond loopback refused."""

    def __init__(self, hub: SilentHub, cwd: Path) -> None:
        self.hub, self.cwd = hub, cwd
        self.env = {name: value for name, value in os.environ.items()
                    if name not in {"HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE",
                                    "HF_EVALUATE_OFFLINE", "COURSEKIT_SOURCE"}}
        self.env.update(HF_ENDPOINT=hub.url, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get(
            "PYTHONPATH")])))

    def run(self, code: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`python -c code` (after the loopback guard); timeout only stops a hang, it is no verdict."""
        return subprocess.run([sys.executable, "-c", LOOPBACK_ONLY + code], capture_output=True, text=True,
                              timeout=timeout, cwd=self.cwd, env=self.env)

    def run_module(self, module: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`python -m module args...` (after the loopback guard)."""
        return self.run(f"import runpy, sys\nsys.argv = {[module, *args]!r}\n"
                        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)", timeout=timeout)


@pytest.fixture
def silent_hub(monkeypatch):
    """The Hub hangs: coursekit in this process and in children started by the test sees HF_ENDPOINT=<silent server>."""
    hub = SilentHub()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("COURSEKIT_SOURCE", raising=False)
    yield hub
    hub.close()


@pytest.fixture
def hanging_hub_python(silent_hub, tmp_path):
    """A fresh interpreter whose Hugging Face libraries read the silent Hub at import (see HangingHubPython)."""
    return HangingHubPython(silent_hub, tmp_path)


@pytest.fixture
def copied_cache(tmp_path, monkeypatch):
    """A private asset cache holding a copy of the (small) real sentiment asset."""
    from coursekit.lesson import assets

    source = assets.asset_dir("sentiment")
    shutil.copytree(source, tmp_path / "sentiment")
    monkeypatch.setenv(assets.CACHE_ENV_VAR, str(tmp_path))
    return tmp_path
