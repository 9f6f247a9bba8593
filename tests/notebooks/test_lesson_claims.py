"""The lessons' prose claims no number that the notebook does not compute or set itself, and the numbers
they quote from the seed model cards are the cards' own.

A figure in a markdown cell (0.81, 57%, 3.8x, 1e-4) must appear in the same notebook's code or in its
printed outputs, so it comes from a run rather than from memory. The few figures quoted from outside
sources are listed below with their source.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
SEEDS = ROOT.parent / "shared" / "seeds"

FIGURE = re.compile(r"(?<![\w.-])(\d+(?:[.,]\d+)*(?:e-\d+)?)(%|x\b)?(?![\w])")
QUOTED = {  # figures from outside the notebook, with where they come from
    "02_text_classification.ipynb": {"2e-5": "the BERT paper's recommended range", "5e-5": "same range"},
    "04_question_answering.ipynb": {"5.15": "transformers versions the course tests (constraints*.txt)",
                                    "5.23": "same", "0.67": "a check question's worked answer"},
    "05_troubleshooting_overfitting.ipynb": {"0.56": "a check question's own example"},
    "06_your_own_data.ipynb": {"0.01": "a check question's own example", "0.03": "the same example"},
}


def figures(markdown: str) -> set[str]:
    """Decimals, percentages, multipliers and rates in prose (plain small counts like '3 epochs' are settings)."""
    found = set()
    for number, unit in FIGURE.findall(re.sub(r"`[^`]*`|\[[^\]]*\]\([^)]*\)", "", markdown)):
        if unit or "." in number or "e-" in number:
            found.add(number + (unit or ""))
    return found


def notebook_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        for output in cell.outputs:
            parts.append(output.get("text", ""))
            parts.extend(str(value) for value in output.get("data", {}).values())
    return "\n".join(parts).replace(",", "")


def appears(figure: str, text: str) -> bool:
    number = figure.rstrip("%x").replace(",", "")
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_figure_in_the_prose_comes_from_the_notebook(path):
    nb = nbformat.read(path, as_version=4)
    text = notebook_text(nb)
    quoted = QUOTED.get(path.name, {})
    unbacked = sorted({figure for cell in nb.cells if cell.cell_type == "markdown" for figure in figures(cell.source)
                       if figure not in quoted and not appears(figure, text)})
    assert not unbacked, f"figures in the prose that no code or output of {path.name} shows: {unbacked}"


def test_the_check_finds_a_typed_figure():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("accuracy reaches 0.93, 4.2x faster"),
                                         nbformat.v4.new_code_cell("print(0.81)")])
    text = notebook_text(nb)
    assert [f for f in sorted(figures(nb.cells[0].source)) if not appears(f, text)] == ["0.93", "4.2x"]


SEED_TABLE = re.compile(r"seed_(\d{3}) = (\[.*?\n\]|\{.*?\})", re.S)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are in ../shared/seeds beside the repository")
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_numbers_quoted_from_a_seed_card_are_the_cards_own(path):
    sources = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
    number = re.compile(r"\d+\.\d+|\d+e-\d+")
    for seed, table in SEED_TABLE.findall(sources):
        card = {float(value) for value in number.findall(next(SEEDS.glob(f"{seed}_*.txt")).read_text())}
        for value in number.findall(table):
            assert float(value) in card, f"seed {seed}: {value} is not in its card"
