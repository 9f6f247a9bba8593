"""The grader's side of one graded kernel: start it as our own process, run code with a wall-clock
limit, and kill its whole process group when the limit passes or the grading ends.

The kernel is `python -m coursekit.grader.sandbox` (never the notebook's kernelspec), started in a
new session, in a temporary working folder, with a connection file the grader writes in a private
folder the sandbox refuses to open. Only the shell channel is used: what the notebook prints is
never read. A limit is never a request to stop (an interrupt can be caught): the process group is
killed with SIGKILL.
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

MAX_REPLY_BYTES = 32 * 2**20
POLL_S = 0.05


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

    def expression(self, key: str) -> str | None:
        """The value of user expression `key` as the string the kernel returned, or None."""
        try:  # the kernel is untrusted: any shape may come back
            text = self.content["user_expressions"][key]["data"]["text/plain"]
            value = ast.literal_eval(text) if isinstance(text, str) else None
        except (KeyError, TypeError, ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return value if isinstance(value, str) else None


def kernel_environment(workdir: str) -> dict:
    """The kernel's environment: the grader's, with one thread per library and private config folders."""
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
                "IPYTHONDIR": os.path.join(workdir, ".ipython"), "MPLCONFIGDIR": os.path.join(workdir, ".mpl"),
                "TMPDIR": workdir, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"})
    env.pop("PYTHONSTARTUP", None)
    return env


class SandboxKernel:
    """One running sandbox kernel. workdir: its working folder; runtime_dir: where its connection
    file goes (protected); memory_mb: its address-space limit; protect: more paths it may not read."""

    def __init__(self, workdir: str, runtime_dir: str, memory_mb: int, protect: list[str]):
        self.workdir, self.runtime_dir = workdir, runtime_dir
        self.memory_mb, self.protect = memory_mb, protect
        self.process: subprocess.Popen | None = None
        self.client = None

    def start(self, timeout: float) -> float:
        """Start the kernel and wait until it answers; returns the seconds it took."""
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        began = time.monotonic()
        handle, connection = tempfile.mkstemp(suffix=".json", dir=self.runtime_dir)
        os.close(handle)
        write_connection_file(connection, ip="127.0.0.1")
        command = [sys.executable, "-m", "coursekit.grader.sandbox", "-f", connection,
                   "--memory-mb", str(self.memory_mb), "--parent", str(os.getpid())]
        for path in self.protect:
            command += ["--protect", path]
        self.process = subprocess.Popen(command, cwd=self.workdir, env=kernel_environment(self.workdir),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
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
                self.kill()
                raise KernelStartError("the grading kernel did not start" if reply.status == "died"
                                       else "the grading kernel did not answer in time")

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
        if reply.status == "timeout":
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
        """Kill the kernel's whole process group and close the channels (safe to call twice)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
