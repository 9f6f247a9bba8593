"""The grader's side of one graded kernel: start it as our own process under its isolation, run code
with a wall-clock limit, and kill it (and everything below it) when the limit passes or grading ends.

The kernel is `python -m coursekit.sandbox` (never the notebook's kernelspec), started in a new
session, in a private temporary working folder, in its jail (jail.py) or restricting itself with
Landlock, with an environment built from an allow-list, and a connection file the grader writes in
a folder of its own (ZMQ over unix sockets there, except without isolation) and deletes once the
kernel answers. Only the shell channel is used: what the notebook prints is never read, and a reply
is capped in size before it is parsed. A limit is never a request to stop (an interrupt can be
caught): the kernel is killed with SIGKILL (see reaper.py for processes that detach themselves
where no PID namespace holds them).
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from . import jail, reaper

MAX_REPLY_BYTES = 32 * 2**20
MAX_EXPRESSION_CHARS = 2**20  # one answer (a user expression's text) larger than this is not parsed
MAX_DEPTH = 32  # plain data nested deeper than this is not taken
POLL_S = 0.05
# without isolation (--no-isolation) only: a jailed kernel's environment is jail.environment's allow-list
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "XDG_CACHE_HOME", "HF_HUB_OFFLINE", "HF_HOME",
                  "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
KEPT_PREFIXES = ("LC_", "COURSEKIT_", "OMP_", "MKL_")


class KernelStartError(RuntimeError):
    """The sandbox kernel did not start or did not answer in time."""


@dataclass
class Reply:
    """What came back from one execute request.

    status: "ok", "error" (the code raised), "timeout" (killed at the limit) or "died" (the process ended).
    """

    status: str
    content: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ended(self) -> bool:
        """Whether the kernel is gone: killed at its limit, or its process ended."""
        return self.status in ("timeout", "died")

    def _text(self, key: str):
        try:  # the kernel is untrusted: any shape may come back
            text = self.content["user_expressions"][key]["data"]["text/plain"]
        except (KeyError, TypeError, IndexError):
            return None
        return text if isinstance(text, str) else None

    def oversized(self, key: str) -> bool:
        """Whether the answer to user expression `key` is too large to be parsed."""
        text = self._text(key)
        return text is not None and len(text) > MAX_EXPRESSION_CHARS

    def expression(self, key: str) -> str | None:
        """The value of user expression `key` as the string the kernel returned, or None (also when it
        is over MAX_EXPRESSION_CHARS or is not a string literal: nothing else is parsed)."""
        text = self._text(key)
        if text is None or len(text) > MAX_EXPRESSION_CHARS or text[:1] not in ("'", '"'):
            return None
        try:
            value = ast.literal_eval(text)
        except (TypeError, ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return value if isinstance(value, str) else None


def shallow(value, limit: int = MAX_DEPTH) -> bool:
    """Whether plain data (lists and dicts) is nested at most `limit` deep (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
    return True


def parse_json(text: str | None):
    """JSON from the kernel as plain data, or None: unparsable, or nested more than MAX_DEPTH deep."""
    import json

    try:
        value = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError, MemoryError):
        return None
    return value if shallow(value) else None


def _python_path() -> str | None:
    """PYTHONPATH for the kernel, only where the grader itself found coursekit through it."""
    package_parent = os.path.realpath(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    entries = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    return package_parent if any(os.path.realpath(entry) == package_parent for entry in entries) else None


def kernel_environment(workdir: str) -> dict:
    """The kernel's environment, built from nothing: PATH, HOME, locale, the course's and Hugging Face's
    settings (COURSEKIT_*, HF_*, TRANSFORMERS_*: offline mode, caches), thread counts, and private
    folders in `workdir`; never the rest of the grader's environment (tokens, keys, PWD)."""
    env = {name: value for name, value in os.environ.items()
           if name in KEPT_VARIABLES or name.startswith(KEPT_PREFIXES)}
    env.setdefault("PATH", os.defpath)
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
                "IPYTHONDIR": os.path.join(workdir, ".ipython"), "MPLCONFIGDIR": os.path.join(workdir, ".mpl"),
                "TMPDIR": workdir, "PWD": workdir, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"})
    python_path = _python_path()
    if python_path:
        env["PYTHONPATH"] = python_path
    return env


class SandboxKernel:
    """One running graded kernel. workdir: its scratch folder; runtime_dir: where its connection folder
    goes; memory_mb: its address-space limit; isolation: "bubblewrap", "landlock" or "none" (jail.py)."""

    def __init__(self, workdir: str, runtime_dir: str, memory_mb: int, isolation: str = jail.BUBBLEWRAP):
        self.workdir, self.runtime_dir, self.isolation, self.memory_mb = workdir, runtime_dir, isolation, memory_mb
        self.process: subprocess.Popen | None = None
        self.client = None
        self.stderr_path: str | None = None

    def _command(self, connection: str) -> tuple[list[str], dict]:
        """The kernel's command line and environment under its isolation."""
        folder = os.path.dirname(connection)
        command = [sys.executable, "-m", "coursekit.sandbox", "-f", connection, "--memory-mb", str(self.memory_mb),
                   "--parent", "0" if self.isolation == jail.BUBBLEWRAP else str(os.getpid())]
        if self.isolation == jail.NONE:
            return command, kernel_environment(self.workdir)
        env = jail.environment(self.workdir, jail.assets_dir())
        os.makedirs(env["HOME"], exist_ok=True)
        policy = jail.Policy.for_kernel(self.workdir, folder)
        if self.isolation == jail.BUBBLEWRAP:
            return jail.bubblewrap_command(command, policy), env
        return command + jail.landlock_arguments(policy), env

    def start(self, timeout: float) -> float:
        """Start the kernel and wait until it answers; returns the seconds it took."""
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        began = time.monotonic()
        folder = tempfile.mkdtemp(prefix="kernel-", dir=self.runtime_dir)  # this kernel's alone
        connection = os.path.join(folder, "connection.json")
        if self.isolation == jail.NONE:
            write_connection_file(connection, ip="127.0.0.1")
        else:  # no network inside: ZMQ over unix sockets in the kernel's own folder
            write_connection_file(connection, transport="ipc", ip=os.path.join(folder, "zmq"))
        command, env = self._command(connection)
        handle, self.stderr_path = tempfile.mkstemp(suffix=".err", dir=self.runtime_dir)
        with reaper.LOCK:  # registered before any sweep can see it
            self.process = subprocess.Popen(command, cwd=self.workdir, env=env,
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=handle, start_new_session=True)
            reaper.register(self.process.pid)
        os.close(handle)
        self.client = BlockingKernelClient()
        self.client.load_connection_file(connection)
        self.client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        self._limit_reply_size()
        try:
            self._wait_until_ready(began + timeout)
        finally:
            os.unlink(connection)
        return time.monotonic() - began

    def _limit_reply_size(self) -> None:
        import zmq

        self.client.shell_channel.socket.setsockopt(zmq.MAXMSGSIZE, MAX_REPLY_BYTES)

    def _wait_until_ready(self, deadline: float) -> None:
        while True:
            msg_id = self.client.kernel_info()
            reply = self._reply_to(msg_id, min(deadline, time.monotonic() + 2.0))
            if reply.status == "ok":
                return
            if reply.status == "died" or time.monotonic() >= deadline:
                why = self._last_error()
                self.kill()
                what = "did not start" if reply.status == "died" else "did not answer in time"
                raise KernelStartError(f"the grading kernel {what}" + (f" ({why})" if why else ""))

    def _last_error(self) -> str:
        """The last line the kernel wrote to stderr while starting (before any learner code ran)."""
        try:
            with open(self.stderr_path, "rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
                lines = handle.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, TypeError):
            return ""
        from ..tasks.safetext import clean

        return clean(lines[-1], 200) if lines else ""

    def alive(self) -> bool:
        """Whether the kernel process is still running."""
        return self.process is not None and self.process.poll() is None

    def execute(self, code: str, timeout: float, user_expressions: dict | None = None,
                silent: bool = False) -> Reply:
        """Run `code`; kill the kernel if no reply comes within `timeout` seconds.

        user_expressions: {key: Python expression} evaluated in the notebook's namespace after `code`.
        silent: a grader probe (no history, no execution count).
        """
        began = time.monotonic()
        if self.client is None or not self.alive():
            return Reply("died")
        msg_id = self.client.execute(code, silent=silent, store_history=not silent,
                                     user_expressions=user_expressions or {}, allow_stdin=False,
                                     stop_on_error=False)
        reply = self._reply_to(msg_id, began + max(timeout, 0.0))
        if reply.ended:  # killed at its limit, or dead (or sending what is not a reply): gone for good
            self.kill()
        reply.seconds = time.monotonic() - began
        return reply

    def _reply_to(self, msg_id: str, deadline: float) -> Reply:
        from queue import Empty

        while True:
            if not self.alive():
                return Reply("died")
            left = deadline - time.monotonic()
            if left <= 0:
                return Reply("timeout")
            try:
                msg = self.client.shell_channel.get_msg(timeout=min(POLL_S * 4, left))
            except Empty:
                continue
            except Exception:  # a malformed or oversized message: treat the kernel as broken
                return Reply("died")
            parent, content = msg.get("parent_header"), msg.get("content")
            if isinstance(parent, dict) and parent.get("msg_id") == msg_id:
                content = content if isinstance(content, dict) else {}
                return Reply("ok" if content.get("status") == "ok" else "error", content)

    def kill(self) -> None:
        """Kill the kernel and everything below it, and close the channels (safe to call twice). In the
        bubblewrap jail killing its outer process ends the PID namespace and every process in it;
        elsewhere the processes below the kernel (whatever their session) and its process group."""
        if self.process is not None and self.process.poll() is None:
            if self.isolation != jail.BUBBLEWRAP:
                reaper.kill_tree(self.process.pid)
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            else:
                reaper.unregister(self.process.pid)
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.stderr_path is not None:
            try:
                os.unlink(self.stderr_path)
            except OSError:
                pass
            self.stderr_path = None
