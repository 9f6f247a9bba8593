"""The README's promises that a file can check: Colab badges built from pyproject's one repository URL,
the two set-up commands, and CI running exactly the README's test command."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def test_every_lesson_has_an_open_in_colab_badge_from_the_repository_url():
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    for lesson in sorted((ROOT / "lessons").glob("*.ipynb")):
        url = f"https://colab.research.google.com/github/{owner_repo}/blob/main/lessons/{lesson.name}"
        assert f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})" in README
    assert len(re.findall(r"colab\.research\.google\.com/github/", README)) == len(list((ROOT / "lessons").glob("*.ipynb")))


def test_two_set_up_commands_and_ci_runs_the_test_one():
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```bash\n(.+?)\n```", setup) == ["make course", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.findall(r"^make \S+", ci, flags=re.M) == ["make test"]
