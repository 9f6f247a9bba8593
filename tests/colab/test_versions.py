"""`make test-colab` runs the course under the versions Colab ships: this checks pip kept them.

Skipped elsewhere (COURSEKIT_EXPECT_COLAB unset): the main suite runs with constraints.txt instead.
"""

import os
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINS = dict(line.split("==") for line in (ROOT / "tests" / "colab" / "colab-versions.txt").read_text().splitlines()
            if line and not line.startswith("#"))  # what Colab ships; constraints-colab.txt is resolved under them

pytestmark = pytest.mark.skipif(not os.environ.get("COURSEKIT_EXPECT_COLAB"),
                                reason="only under `make test-colab`")


@pytest.mark.parametrize("package", sorted(PINS))
def test_pip_kept_colabs_version(package):
    assert version(package).split("+")[0] == PINS[package]


def test_the_course_is_installed_from_this_checkout():
    import coursekit

    assert version(coursekit.DISTRIBUTION)  # installed under the course's own distribution name
    assert Path(coursekit.__file__).resolve().parent == ROOT / "coursekit"
