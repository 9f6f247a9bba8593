"""The committed notebooks stay clean, executed and self-sufficient on Colab."""

import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from coursekit.tooling.notebooks import KEPT_CELL_METADATA, KEPT_NOTEBOOK_METADATA

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
EXECUTED = LESSONS + sorted((ROOT / "solutions").glob("*.ipynb"))  # committed with their outputs
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def test_there_are_lessons():
    assert LESSONS, "no lesson notebooks found"


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_notebook_json_is_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    ids = [cell.id for cell in nb.cells]
    assert len(ids) == len(set(ids)), "cell ids must be unique"
    assert all(re.fullmatch(r"[a-z0-9-]+", cid) for cid in ids), "cell ids should be short readable slugs"
    assert set(nb.metadata) <= set(KEPT_NOTEBOOK_METADATA), "stray notebook metadata: run `make notebooks`"
    for cell in nb.cells:
        assert set(cell.metadata) <= set(KEPT_CELL_METADATA), f"stray metadata in cell {cell.id}"


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_notebook_is_executed_in_order(path):
    nb = nbformat.read(path, as_version=4)
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
    assert None not in counts, "a code cell was never executed: run `make notebooks`"
    assert counts == list(range(1, len(counts) + 1)), "outputs must come from one top-to-bottom run"
    errors = [cell.id for cell in nb.cells if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "error"]
    assert not errors, f"cells with errors: {errors}"


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_first_code_cell_installs_the_course_on_colab(path):
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "import coursekit" in first.source and "except ImportError" in first.source
    install = f'"{PROJECT["name"]} @ git+{REPOSITORY}"'
    assert install in first.source, "the install must name pyproject's distribution and URL"
    assert not first.outputs, "where coursekit is installed the cell must print nothing"


def run_install_cell(path, extra_path=None):
    """The first cell of a lesson run as plain Python (its %pip line unreachable here), optionally with another
    package called coursekit first on sys.path; returns the finished process."""
    import os
    import subprocess
    import sys

    first = next(cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
    code = first.source.replace("%pip install", "pass  # %pip install")
    env = {"PYTHONPATH": str(extra_path)} if extra_path else {}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env}, cwd=extra_path or ROOT)


def test_the_install_cell_accepts_the_course_package():
    result = run_install_cell(LESSONS[0])
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stderr


def test_the_install_cell_names_an_unrelated_coursekit(tmp_path):
    # PyPI's unrelated 'coursekit' would import fine; the cell must say what to do instead of failing later
    (tmp_path / "coursekit").mkdir()
    (tmp_path / "coursekit" / "__init__.py").write_text("__version__ = '0.1.0'\n")
    result = run_install_cell(LESSONS[0], extra_path=tmp_path)
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "not this course's" in result.stderr
    assert "%pip uninstall -y coursekit" in result.stderr


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_prints_its_source_checkpoint_and_sizes(path):
    nb = nbformat.read(path, as_version=4)
    printed = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    assert "source: offline" in printed
    assert "checkpoint: " in printed
    assert re.search(r"data: \{'train': \d+", printed)


NBVAL_TAGS = {"nbval-ignore-output", "nbval-check-output", "nbval-skip", "nbval-raises-exception"}


def ignored(cell) -> bool:
    """Whether nbval runs `cell` without comparing its outputs (the cell tag, never a comment)."""
    return "nbval-ignore-output" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_nbval_instructions_are_tags_not_comments(path):
    # A learner reads the cell's code: nbval's instructions live in cell tags, never in the source.
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        assert "NBVAL_" not in cell.source, f"{cell.id}: move nbval's instruction into a cell tag"
        unknown = {tag for tag in cell.metadata.get("tags", []) if tag.startswith("nbval")} - NBVAL_TAGS
        assert not unknown, f"{cell.id}: nbval does not know the tags {unknown}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_ends_with_its_quiz(path):
    nb = nbformat.read(path, as_version=4)
    last = [cell for cell in nb.cells if cell.cell_type == "code"][-1]
    assert last.source.strip() == f'coursekit.show_quiz("{path.name[:2]}")'
    shown = [out for out in last.outputs if out.output_type in ("display_data", "execute_result")]
    # what a learner sees before running it (JupyterLab shows text/plain for a widget it has not run)
    from coursekit.lesson.quiz import load_bank

    assert shown and shown[0]["data"]["text/plain"] == repr(load_bank(path.name[:2]))


# The lessons' score lines, values at each floor and values just below it; nbval's sanitizers (tests/
# nbval_sanitize.cfg) must accept the committed score and those at the floor, and leave a below-floor line
# unchanged, so that its comparison fails. Lesson 04 prints two scores on one line: each has its own floor.
SCORE_FLOORS = {
    "02-accuracy": ("02_text_classification.ipynb", r"test accuracy: \S+", ["test accuracy: 0.780"],
                    ["test accuracy: 0.779"]),
    "02-macro-F1": ("02_text_classification.ipynb", r"test macro-F1: \S+", ["test macro-F1: 0.770"],
                    ["test macro-F1: 0.769"]),
    "03": ("03_named_entity_recognition.ipynb", r"test entity F1: \S+", ["test entity F1: 0.780", "test entity F1: 1.000"],
           ["test entity F1: 0.779", "test entity F1: 0.099"]),
    "05": ("05_troubleshooting_overfitting.ipynb", r"baseline on the test snippets: accuracy \S+, macro-F1 \S+",
           ["baseline on the test snippets: accuracy 0.720, macro-F1 0.700",
            "baseline on the test snippets: accuracy 1.000, macro-F1 1.000"],
           ["baseline on the test snippets: accuracy 0.719, macro-F1 0.900",
            "baseline on the test snippets: accuracy 0.900, macro-F1 0.699"]),
    "04": ("04_question_answering.ipynb", r"test EM: \S+  test F1: \S+",
           ["test EM: 90.0  test F1: 94.0", "test EM: 100.0  test F1: 100.0"],
           ["test EM: 89.9  test F1: 100.0", "test EM: 100.0  test F1: 93.9", "test EM: 9.0  test F1: 9.9"]),
    "06": ("06_your_own_data.ipynb", r"test macro-F1 of the chosen model: \S+",
           ["test macro-F1 of the chosen model: 0.780", "test macro-F1 of the chosen model: 1.000"],
           ["test macro-F1 of the chosen model: 0.779", "test macro-F1 of the chosen model: 0.099"]),
}


def test_nbval_reads_every_sanitizer_in_the_file(nbval_patterns):
    # nbval pairs a `regex:` line with the `replace:` line right below it; anything between them (a comment)
    # makes it drop the pair silently, and the floor it held would be gone.
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    regexes = re.findall(r"^regex: (.*)$", text, flags=re.M)
    assert len(regexes) == len(set(regexes)) == len(nbval_patterns) > 0
    assert list(nbval_patterns) == regexes


@pytest.mark.parametrize("floor", sorted(SCORE_FLOORS))
def test_score_floor_is_enforced_by_nbval(floor, nbval_sanitize):
    name, pattern, at_floor, below_floor = SCORE_FLOORS[floor]
    nb = nbformat.read(ROOT / "lessons" / name, as_version=4)
    printed = [match for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
               for match in re.findall(pattern, output.get("text", ""))]
    assert len(printed) == 1, f"{name} should print its score line once: {printed}"
    assert "at least" in nbval_sanitize(printed[0]), f"committed score below the floor: {printed[0]}"
    for line in at_floor:
        assert nbval_sanitize(line) == nbval_sanitize(printed[0]), f"a score at the floor must pass nbval: {line}"
    for line in below_floor:
        assert nbval_sanitize(line) == line, f"a score below the floor must fail the nbval comparison: {line}"


MACHINE_SPECIFIC = {  # what differs between machines and must never reach an output nbval compares
    "an absolute path": r"(?<![\w.])/(?:root|home|tmp|Users|usr|opt|var)/",
    "a timing": r"\b\d+(?:\.\d+)? ?(?:examples|sentences|samples)/s\b|\bseconds?\b|\btrain_runtime\b",
    "transformers' load report": r"LOAD REPORT",
    "a training log line": r"\{'loss': ",
}


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_compared_outputs_are_machine_independent(path, nbval_sanitize):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or ignored(cell):
            continue
        text = nbval_sanitize("".join(out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
                                 for out in cell.outputs))
        for what, pattern in MACHINE_SPECIFIC.items():
            assert not re.search(pattern, text), f"{cell.id} prints {what} that nbval compares: {text[:300]!r}"
        assert not re.search(r"device: \w+, precision: (?!PRECISION)", text), f"{cell.id}: unsanitized precision line"


def test_the_precision_line_reads_the_same_on_every_machine(nbval_sanitize):
    from coursekit.lesson.precision import PrecisionChoice

    lines = {PrecisionChoice(device, precision, reason).describe()
             for device, precision, reason in [("cpu", "fp32", "this CPU has no AMX or AVX512-BF16 instructions"),
                                               ("cpu", "bf16", "this CPU has AMX or AVX512-BF16 instructions"),
                                               ("cuda", "fp16", "this GPU has no native bf16; fp16 with loss scaling"),
                                               ("mps", "fp32", "mixed precision on Apple GPUs depends on ...")]}
    assert len(lines) == 4 and len({nbval_sanitize(line) for line in lines}) == 1
