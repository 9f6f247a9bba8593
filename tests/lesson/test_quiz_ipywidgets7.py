"""The quiz logic tests again, under ipywidgets 7.7.1 (what Colab ships) instead of 8.x: the widgets, the
HTML feedback in them, first-try scoring. (The banks' content rules do not depend on ipywidgets: they run once,
in test_quiz.py.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
pytestmark = pytest.mark.network  # pip installs ipywidgets 7.7.1 from PyPI


@pytest.fixture(scope="module")
def ipywidgets7(tmp_path_factory):
    target = tmp_path_factory.mktemp("ipywidgets7")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
         "--target", str(target), "ipywidgets==7.7.1", "ipython_genutils==0.2.0"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return target


def test_quiz_logic_under_ipywidgets_7_7_1(ipywidgets7):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ipywidgets7), os.environ.get("PYTHONPATH", "")])}
    version = subprocess.run([sys.executable, "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert version == "7.7.1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "test_quiz.py"), "-q", "-p", "no:cacheprovider",
         "-W", "ignore::DeprecationWarning", "-k", "not test_bank_follows_the_rules"],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
