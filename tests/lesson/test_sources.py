import time

import pytest

from coursekit.errors import CourseError
from coursekit.lesson.sources import PROBE_TIMEOUT_S, hub_is_reachable, resolve_source


def test_auto_settles_on_offline_within_5s_when_the_hub_hangs(silent_hub):
    start = time.perf_counter()
    assert resolve_source("auto") == "offline"
    elapsed = time.perf_counter() - start
    assert silent_hub, "the probe never reached the silent server, so this test proved nothing"
    assert elapsed <= 5.0


def test_auto_settles_on_offline_when_the_hub_refuses(monkeypatch):
    import socket

    with socket.socket() as closed:  # bind then close: a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("COURSEKIT_SOURCE", raising=False)
    assert not hub_is_reachable()
    assert resolve_source() == "offline"


def test_auto_picks_hub_when_it_answers(monkeypatch):
    import http.server
    import threading

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("COURSEKIT_SOURCE", raising=False)
        assert resolve_source() == "hub"
    finally:
        server.shutdown()


def test_env_var_and_argument(monkeypatch):
    monkeypatch.setenv("COURSEKIT_SOURCE", "hub")
    assert resolve_source() == "hub"  # the environment variable decides when the argument is auto
    assert resolve_source("offline") == "offline"  # an explicit argument wins
    monkeypatch.setenv("COURSEKIT_SOURCE", "OFFLINE ")
    assert resolve_source(None) == "offline"


def test_hf_hub_offline_means_offline_without_probing(monkeypatch, silent_hub):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    assert resolve_source("auto") == "offline"
    assert time.perf_counter() - start < PROBE_TIMEOUT_S / 2


@pytest.mark.parametrize("bad", ["hugging", "local", ""])
def test_unknown_source_names_the_choices(bad, monkeypatch):
    if bad == "":
        monkeypatch.setenv("COURSEKIT_SOURCE", "cloud")
    with pytest.raises(CourseError, match=r"auto, hub, offline"):
        resolve_source(bad or None)
