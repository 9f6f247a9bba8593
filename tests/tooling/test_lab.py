"""`make course`, the README's command, starts JupyterLab on the learner's workspace (as root here, as CI runs),
with --allow-root only for root and the course's settings (no news prompt) shipped with the command."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coursekit.tooling import lab

ROOT = Path(__file__).resolve().parents[2]
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_allow_root_only_for_root(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    as_root = lab.lab_command(tmp_path, "lessons/01.ipynb", ["--no-browser"])
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    as_user = lab.lab_command(tmp_path)
    assert "--allow-root" in as_root and "--allow-root" not in as_user
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in as_root and as_root[-2:] == ["--no-browser", "lessons/01.ipynb"]


def test_the_settings_come_with_the_command_not_the_home(monkeypatch):
    from jupyterlab_server.settings_utils import _get_overrides

    environment = lab.lab_environment({"JUPYTER_CONFIG_PATH": "/etc/elsewhere", "HOME": "/home/learner"})
    assert environment["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(lab.SETTINGS), "/etc/elsewhere"]
    assert environment["HOME"] == "/home/learner"
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", environment["JUPYTER_CONFIG_PATH"])
    overrides, error = _get_overrides("/nonexistent")
    assert not error and overrides[NOTIFICATION]["fetchNews"] == "false"  # "none" is what asks about news


def readme_open_command() -> list[str]:
    setup = (ROOT / "README.md").read_text().split("## Set-up", 1)[1].split("\n## ", 1)[0]
    command = re.findall(r"```bash\n(.+?)\n```", setup)[0].split()
    assert command == ["make", "course"]
    return command


def course_copy(folder: Path) -> Path:
    """The course's files as this checkout has them (tracked and new, not ignored), in `folder`."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(source.read_bytes())
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="copies the course with git ls-files")
def test_make_course_opens_jupyterlab_on_the_workspace(tmp_path):
    course = course_copy(tmp_path / "course")
    token, port = secrets.token_hex(16), free_port()
    options = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    # the README's command, run whole but for the install (this environment has it; it would re-point the
    # editable install at the copy): make's -o treats the install target as done
    command = [*readme_open_command()[:1], "-o", "install", *readme_open_command()[1:],
               f"PYTHON={sys.executable}", f"LAB_OPTIONS={options}"]
    log = tmp_path / "make.log"
    env = {**os.environ, "PYTHONPATH": str(course)}
    with open(log, "w") as out:
        make = subprocess.Popen(command, cwd=course, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status = get_json(f"{base}/api/status?token={token}")
                break
            except OSError:
                assert make.poll() is None, f"make course ended:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"JupyterLab did not answer in 120 s:\n{log.read_text()[-3000:]}"
                time.sleep(0.5)
        assert "started" in status
        listing = {item["name"] for item in get_json(f"{base}/api/contents?token={token}")["content"]}
        assert listing == {"lessons", "exercises", "README.md"}  # the workspace, not the clone
        lessons = {item["name"] for item in get_json(f"{base}/api/contents/lessons?token={token}")["content"]}
        assert lessons == {path.name for path in (course / "lessons").glob("*.ipynb")}
        settings = get_json(f"{base}/lab/api/settings/{NOTIFICATION}?token={token}")
        assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"  # no news prompt
        # as root (CI), JupyterLab answering at all shows it got --allow-root
        printed = log.read_text()
        assert "==> opening JupyterLab on workspace/" in printed and f"created {course / 'workspace'}" in printed
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()


def test_make_knows_the_oldest_python_the_pins_install_on():
    from importlib import metadata

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    floor = Version(re.search(r"^MIN_PYTHON = (\S+)", (ROOT / "Makefile").read_text(), re.M).group(1))
    needs = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" not in line or line.startswith("#"):
            continue
        name, version = line.split("==")
        try:
            found = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if found.version == version and found.metadata["Requires-Python"]:
            needs[name] = SpecifierSet(found.metadata["Requires-Python"])
    assert len(needs) > 50, "the pinned distributions are installed here"
    assert [name for name, spec in needs.items() if floor not in spec] == []
    below = Version(f"{floor.major}.{floor.minor}.{floor.micro - 1}" if floor.micro else
                    f"{floor.major}.{floor.minor - 1}.99")
    assert [name for name, spec in needs.items() if below not in spec], f"Python {below} would do too"
    setup = (ROOT / "README.md").read_text().split("## Set-up", 1)[1].split("\n## ", 1)[0]
    assert f"Python {floor}" in setup
