"""The lessons' prose quotes no figure that a run could contradict unnoticed, and the figures it quotes from the
seed cards are the cards' own.

A figure in a markdown cell (0.81, 57%, 3.8x, 1e-4) must be printed by something nbval holds fixed: the
notebook's code, an output nbval compares (after its sanitizers: a score a floor rewrites is not compared),
or a seed card the notebook names (docs/seeds/). An output of a cell tagged `nbval-ignore-output` does not
count: a fresh run, another seed, source or machine may print something else there while the prose stays.
The few figures quoted from outside sources are listed below with their source.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
SEEDS = ROOT / "docs" / "seeds"
SEED_IDS = ["000", "001", "002", "003", "004"]

FIGURE = re.compile(r"(?<![\w.-])(\d+(?:[.,]\d+)*(?:e-\d+)?)(%|x\b)?(?![\w])")
QUOTED = {  # figures from outside the notebook, with where they come from
    "02_text_classification.ipynb": {"2e-5": "the BERT paper's recommended range", "5e-5": "same range"},
    "04_question_answering.ipynb": {"5.15": "transformers versions the course tests (constraints*.txt)",
                                    "5.23": "same", "0.67": "a check question's worked answer"},
    "05_troubleshooting_overfitting.ipynb": {"0.56": "a check question's own example"},
    "06_your_own_data.ipynb": {"0.01": "a check question's own example", "0.03": "the same example"},
}
SEED_MENTION = re.compile(r"\bseed[_ ](\d{3})\b", re.I)


def figures(markdown: str) -> set[str]:
    """Decimals, percentages, multipliers and rates in prose (plain small counts like '3 epochs' are settings)."""
    found = set()
    for number, unit in FIGURE.findall(re.sub(r"`[^`]*`|\[[^\]]*\]\([^)]*\)", "", markdown)):
        if unit or "." in number or "e-" in number:
            found.add(number + (unit or ""))
    return found


def ignored(cell) -> bool:
    return "nbval-ignore-output" in cell.metadata.get("tags", [])


def output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.extend(str(value) for key, value in output.get("data", {}).items() if key.startswith("text/"))
    return "\n".join(parts)


def seed_card(seed: str) -> Path:
    cards = sorted(SEEDS.glob(f"{seed}_*.txt"))
    assert len(cards) == 1, f"seed {seed}'s card is missing from {SEEDS.relative_to(ROOT)} (or there are several)"
    return cards[0]


def held_text(nb, sanitize) -> str:
    """What a figure may come from: code, compared outputs (as nbval `sanitize`s them), the seed cards named."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            parts.append(cell.source)
            if not ignored(cell):
                parts.append(sanitize(output_text(cell)))
    seeds = {seed for cell in nb.cells for seed in SEED_MENTION.findall(cell.source)}
    parts.extend(seed_card(seed).read_text() for seed in sorted(seeds))
    return "\n".join(parts).replace(",", "")


def appears(figure: str, text: str) -> bool:
    number = figure.rstrip("%x").replace(",", "")
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


def unheld_figures(nb, sanitize, quoted=()) -> list[tuple[str, str, str]]:
    """(markdown cell id, figure, where else it is printed) for each figure in the prose nothing holds fixed."""
    held = held_text(nb, sanitize)
    ignored_outputs = {cell.id: output_text(cell).replace(",", "") for cell in nb.cells
                       if cell.cell_type == "code" and ignored(cell)}
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for figure in sorted(figures(cell.source)):
            if figure in quoted or appears(figure, held):
                continue
            only_in = [cell_id for cell_id, text in ignored_outputs.items() if appears(figure, text)]
            found.append((cell.id, figure, f"only the ignored output of {', '.join(only_in)}" if only_in
                          else "nothing in the notebook"))
    return found


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_figure_in_the_prose_is_held_by_code_a_compared_output_or_a_seed_card(path, nbval_sanitize):
    unheld = unheld_figures(nbformat.read(path, as_version=4), nbval_sanitize, QUOTED.get(path.name, {}))
    assert not unheld, f"{path.name}: figures in the prose that nbval does not hold fixed " + "".join(
        f"\n  {cell_id}: {figure} (printed by {where})" for cell_id, figure, where in unheld)


def test_the_check_finds_a_typed_figure_and_one_only_an_ignored_output_prints(nbval_sanitize):
    cells = [nbformat.v4.new_markdown_cell("accuracy reaches 0.93, 4.2x faster; loss 0.41; rate 3e-5", id="md"),
             nbformat.v4.new_code_cell("lr = 3e-5\nprint(0.81)", id="compared",
                                       outputs=[nbformat.v4.new_output("stream", text="0.81\n")]),
             nbformat.v4.new_code_cell("print(loss)", id="table", metadata={"tags": ["nbval-ignore-output"]},
                                       outputs=[nbformat.v4.new_output("stream", text="loss 0.41\n")])]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert unheld_figures(nb, nbval_sanitize) == [("md", "0.41", "only the ignored output of table"),
                                  ("md", "0.93", "nothing in the notebook"), ("md", "4.2x", "nothing in the notebook")]
    cells[2].metadata["tags"] = []  # compared now: it holds the figure
    assert [figure for _, figure, _ in unheld_figures(nb, nbval_sanitize)] == ["0.93", "4.2x"]


def test_a_score_a_floor_rewrites_is_not_held(nbval_sanitize):
    cells = [nbformat.v4.new_markdown_cell("the test accuracy is 0.823 here", id="md"),
             nbformat.v4.new_code_cell("print(score)", id="score",
                                       outputs=[nbformat.v4.new_output("stream", text="test accuracy: 0.823\n")])]
    assert nbval_sanitize("test accuracy: 0.823") != "test accuracy: 0.823", "the sentiment floor no longer rewrites it"
    assert unheld_figures(nbformat.v4.new_notebook(cells=cells), nbval_sanitize) == [("md", "0.823", "nothing in the notebook")]


def test_the_seed_cards_are_in_the_repository():
    for seed in SEED_IDS:
        assert seed_card(seed).read_text().strip()


SEED_TABLE = re.compile(r"seed_(\d{3}) = (\[.*?\n\]|\{.*?\})", re.S)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_numbers_quoted_from_a_seed_card_are_the_cards_own(path):
    sources = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
    number = re.compile(r"\d+\.\d+|\d+e-\d+")
    for seed, table in SEED_TABLE.findall(sources):
        card = {float(value) for value in number.findall(seed_card(seed).read_text())}
        for value in number.findall(table):
            assert float(value) in card, f"seed {seed}: {value} is not in its card"
