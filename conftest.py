"""Shared fixtures, and a per-notebook run-time report for the nbval runs."""

from __future__ import annotations

import os
import time
from collections import defaultdict

import pytest

# Tests never reach for the Hub: the offline source is the one CI proves.
os.environ.setdefault("COURSEKIT_SOURCE", "offline")

_notebook_seconds: dict[str, float] = defaultdict(float)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = time.perf_counter()
    yield
    if str(item.fspath).endswith(".ipynb"):
        _notebook_seconds[os.path.relpath(str(item.fspath))] += time.perf_counter() - start


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook run times")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  all notebooks")


@pytest.fixture
def silent_hub(monkeypatch):
    """Point the Hub at a local server that accepts connections and never answers (a hang)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_and_hold():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("COURSEKIT_SOURCE", raising=False)
    yield accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def copied_cache(tmp_path, monkeypatch):
    """A private asset cache holding a copy of the (small) real sentiment asset."""
    import shutil

    from coursekit.lesson import assets

    source = assets.asset_dir("sentiment")
    shutil.copytree(source, tmp_path / "sentiment")
    monkeypatch.setenv(assets.CACHE_ENV_VAR, str(tmp_path))
    return tmp_path
