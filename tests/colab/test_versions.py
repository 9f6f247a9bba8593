"""`make test-colab` runs the course under the versions Colab ships: this checks pip kept them.

Skipped elsewhere (COURSEKIT_EXPECT_COLAB unset): the main suite runs with constraints.txt instead.
Not covered: torch. constraints-colab.txt pins the CPU wheel the course's machines have (2.13), not Colab's
CUDA build (2.11), so `make test-colab` proves transformers, datasets and ipywidgets, not Colab's torch.
"""

import os
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, str]:
    """package -> version, from the `name==version` lines of constraints-colab.txt."""
    lines = (line.split("#")[0].strip() for line in (ROOT / "constraints-colab.txt").read_text().splitlines())
    return dict(line.split("==", 1) for line in lines if "==" in line)


under_colab_versions = pytest.mark.skipif(not os.environ.get("COURSEKIT_EXPECT_COLAB"),
                                          reason="only under `make test-colab`")


def test_the_colab_pins_name_the_libraries_the_course_cannot_choose_there():
    assert set(pins()) == {"torch", "transformers", "datasets", "ipywidgets"}


@under_colab_versions
def test_pip_kept_colabs_versions():
    expected = pins()
    assert {package: version(package).split("+")[0] for package in expected} == expected


@under_colab_versions
def test_the_course_is_installed_from_this_checkout():
    import coursekit

    assert version(coursekit.DISTRIBUTION)  # installed under the course's own distribution name
    assert Path(coursekit.__file__).resolve().parent == ROOT / "coursekit"
