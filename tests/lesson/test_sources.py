"""The source switch. The probes get a short timeout (the parameter the lessons leave at its default); whether
they wait or hang is pytest-timeout's business, never an assertion on the clock."""

import http.server
import os
import socket
import threading

import pytest

from coursekit.errors import CourseError
from coursekit.lesson import sources
from coursekit.lesson.sources import PROBE_PATH, hub_is_reachable, resolve_source

SHORT_S = 0.3


def test_auto_settles_on_offline_when_the_hub_hangs(silent_hub):
    assert resolve_source("auto", timeout=SHORT_S) == "offline"
    assert silent_hub.requests() == [f"HEAD {PROBE_PATH}"], "the probe never reached the silent server"


def test_the_probe_gives_up_at_its_deadline_on_a_hanging_hub(silent_hub):
    assert not hub_is_reachable(timeout=SHORT_S)


def test_auto_settles_on_offline_when_the_hub_refuses(monkeypatch):
    with socket.socket() as closed:  # bind then close: a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("COURSEKIT_SOURCE", raising=False)
    assert not hub_is_reachable(SHORT_S)
    assert resolve_source(timeout=SHORT_S) == "offline"


@pytest.mark.parametrize("status", [200, 404])
def test_auto_picks_hub_when_it_answers_even_with_an_error_status(monkeypatch, status):
    asked = []

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            asked.append(self.path)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}/")  # a trailing slash is fine
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("COURSEKIT_SOURCE", raising=False)
        assert resolve_source() == "hub"
        assert asked == [PROBE_PATH]
        assert "HF_HUB_OFFLINE" not in os.environ  # only offline switches the libraries off
    finally:
        server.shutdown()
        server.server_close()


def test_env_var_and_argument(monkeypatch):
    monkeypatch.setenv("COURSEKIT_SOURCE", "hub")
    assert resolve_source() == "hub"  # the environment variable decides when the argument is auto
    assert resolve_source("offline") == "offline"  # an explicit argument wins
    monkeypatch.setenv("COURSEKIT_SOURCE", "OFFLINE ")
    assert resolve_source(None) == "offline"


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_hf_hub_offline_means_offline_without_probing(monkeypatch, silent_hub, value):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert resolve_source("auto") == "offline"
    sources.require_hub()  # the Hub cache is used as is: nothing to probe
    assert silent_hub.requests() == [] and not silent_hub.connections


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_hf_hub_offline_off_still_probes(monkeypatch, silent_hub, value):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert resolve_source("auto", timeout=SHORT_S) == "offline"
    assert silent_hub.requests() == [f"HEAD {PROBE_PATH}"]


def test_require_hub_names_the_fix_and_remembers_the_answer(silent_hub, monkeypatch):
    monkeypatch.setattr(sources, "_last_probe", None)
    for _ in range(2):
        with pytest.raises(sources.HubUnreachableError, match=r"did not answer within 0.3 s.*COURSEKIT_SOURCE=offline"):
            sources.require_hub(timeout=SHORT_S)
    assert len(silent_hub.requests()) == 1  # the second call used the remembered answer


def test_offline_switches_the_libraries_already_imported(monkeypatch):
    import datasets
    import huggingface_hub

    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE", "COURSEKIT_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    assert resolve_source("offline") == "offline"
    assert huggingface_hub.is_offline_mode() and datasets.config.HF_HUB_OFFLINE
    assert os.environ["HF_HUB_OFFLINE"] == os.environ["HF_DATASETS_OFFLINE"] == "1"  # for children and later imports


def test_offline_in_a_lesson_refuses_a_hub_download_at_once(hanging_hub_python):
    # A lesson imports transformers, then picks the offline source: a Hub name must then fail without a request.
    result = hanging_hub_python.run(
        "import transformers\n"
        "from coursekit.lesson.sources import resolve_source\n"
        "resolve_source('offline')\n"
        "try:\n"
        "    transformers.AutoConfig.from_pretrained('bert-base-uncased')\n"
        "except OSError as error:\n"
        "    print('refused:', type(error).__name__)\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused:" in result.stdout
    assert hanging_hub_python.hub.requests() == []


@pytest.mark.parametrize("bad", ["hugging", "local", ""])
def test_unknown_source_names_the_choices(bad, monkeypatch):
    if bad == "":
        monkeypatch.setenv("COURSEKIT_SOURCE", "cloud")
    with pytest.raises(CourseError, match=r"auto, hub, offline"):
        resolve_source(bad or None)

