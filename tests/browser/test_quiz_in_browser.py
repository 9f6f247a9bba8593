"""A real browser works through lesson 01's quiz and an exercise check in JupyterLab, as a learner would.

JupyterLab is started by the course's own launcher (coursekit.tooling.lab: the settings `make course`
ships, --allow-root as root) on 127.0.0.1 with a token; Debian's Chromium is driven by playwright (never
`playwright install`, which downloads a browser). The notebook holds the lesson's first code cell, its
quiz cell with the output a committed lesson shows before it runs, and two exercise checks.

What a person would see is measured in the page: the quiz cell explains itself before it runs, in two
unbroken lines; no news prompt at first start (against a control with JupyterLab's defaults); every
option readable in full; right and wrong feedback differ in colour and mark; the score stands beside the question just
answered; and no word in the feedback is split across two lines (each character's position on screen,
read through DOM ranges: a line that starts inside a word is a split; a box styled to break words shows
the measurement can tell).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from coursekit.tooling import lab

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "01_what_is_fine_tuning.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("COURSEKIT_SCREENSHOTS", ROOT / "tests" / "browser" / "screenshots"))
WRONG_CHECK = 'coursekit.check("05-best-epoch", lambda rows: rows[0]["epoch"])'
RIGHT_CHECK = 'coursekit.check("05-best-epoch", lambda rows: min(rows, key=lambda r: r["validation_loss"])["epoch"])'

# Lines and split words of an element's text as laid out: characters in document order with their
# on-screen boxes; a character that starts lower than the one before it (by half a line) starts a new
# line; if no white space lies between the two in the text and both sit in the same block, a word was split.
MEASURE_LINES = """(element) => {
  const blocks = new Set(['DIV', 'PRE', 'P', 'LI', 'H3', 'LABEL']);
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const chars = [];
  let space = true, node;
  while ((node = walker.nextNode())) {
    let block = node.parentElement;
    while (block && !blocks.has(block.tagName)) block = block.parentElement;
    const range = document.createRange();
    for (let i = 0; i < node.data.length; i++) {
      const ch = node.data[i];
      if (/\\s/.test(ch)) { space = true; continue; }
      range.setStart(node, i); range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (!box.height) continue;
      chars.push({ch, top: box.top, height: box.height, block, space, node, i});
      space = false;
    }
    space = true;  // where an element starts or ends: not inside a word
  }
  let lines = chars.length ? 1 : 0;
  const splits = [];
  for (let k = 1; k < chars.length; k++) {
    const a = chars[k - 1], b = chars[k];
    if (b.top <= a.top + a.height / 2) continue;
    lines++;
    if (a.block === b.block && !b.space && a.ch !== '-') {
      splits.push(a.node.data.slice(Math.max(0, a.i - 12), a.i + 1) + '|' + b.node.data.slice(b.i, b.i + 12));
    }
  }
  return {lines, splits};
}"""


# Each option of a question, as laid out: its text cut off, over the next option, or not after its box.
MEASURE_OPTIONS = """(row) => {
  const labels = [...row.querySelectorAll('.widget-radio-box label, .widget-checkbox label')]
    .filter(label => label.querySelector('input'));
  const boxes = labels.map(label => label.getBoundingClientRect());
  const problems = [];
  labels.forEach((label, k) => {
    const text = document.createRange();
    text.selectNodeContents(label);
    if (text.getBoundingClientRect().right > boxes[k].right + 1 || label.scrollWidth > label.clientWidth + 1)
      problems.push('cut off: ' + label.textContent);
    if (k + 1 < labels.length && boxes[k + 1].top < boxes[k].bottom - 1)
      problems.push('overlaps the next option: ' + label.textContent);
    const input = label.querySelector('input').getBoundingClientRect();
    if (input.top < boxes[k].top - 1 || input.bottom > boxes[k].bottom + 1)
      problems.push('its box sits outside it: ' + label.textContent);
    const words = [...label.childNodes].concat([...label.querySelectorAll('span')].flatMap(s => [...s.childNodes]))
      .filter(node => node.nodeType === Node.TEXT_NODE && node.data.trim());
    const first = document.createRange();
    first.setStart(words[0], 0); first.setEnd(words[0], 1);
    if (input.right > first.getBoundingClientRect().left + 1)
      problems.push('its box is not before its text: ' + label.textContent);
  });
  return {count: labels.length, problems};
}"""


def quiz_notebook(folder: Path) -> Path:
    """Lesson 01's first code cell and quiz cell (its output as a committed lesson shows it before it runs),
    then a wrong and a right exercise check."""
    from coursekit.lesson.quiz import load_bank

    lesson = nbformat.read(LESSON, as_version=4)
    code = [cell for cell in lesson.cells if cell.cell_type == "code"]
    quiz_cells = [cell for cell in code if "show_quiz(" in cell.source]
    assert quiz_cells, f"{LESSON.name} has no quiz cell"
    cells = [code[0], quiz_cells[0], nbformat.v4.new_code_cell(WRONG_CHECK), nbformat.v4.new_code_cell(RIGHT_CHECK)]
    for cell in cells:
        cell.outputs, cell.execution_count = [], None
    view = {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}
    cells[1].outputs = [nbformat.v4.new_output("display_data", data={
        "text/plain": repr(load_bank("01")), "application/vnd.jupyter.widget-view+json": view})]
    path = folder / "quiz.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=lesson.metadata), path)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(folder: Path, environment: dict):
    """JupyterLab as the course starts it, on `folder`: (the server process, its address, its token)."""
    token, port = secrets.token_hex(16), free_port()
    command = lab.lab_command(folder, extra=["--no-browser", "--ServerApp.ip=127.0.0.1",
                                             f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"])
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
                              env=environment)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start within 60 s")
            time.sleep(0.5)
    return server, base, token


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture
def jupyterlab(tmp_path):
    notebook = quiz_notebook(tmp_path)
    server, base, token = start_lab(tmp_path, lab.lab_environment())
    yield f"{base}/lab/tree/{notebook.name}?token={token}"
    stop(server)


@pytest.mark.parametrize("settings", [True, False], ids=["course settings", "JupyterLab's defaults"])
def test_no_news_prompt_at_first_start(tmp_path, settings):
    # the control (JupyterLab's own defaults) shows that the page would show the prompt
    from playwright.sync_api import sync_playwright

    environment = lab.lab_environment() if settings else dict(os.environ)
    server, base, token = start_lab(tmp_path, environment)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{base}/lab?token={token}")
            page.wait_for_selector("#jp-main-statusbar", timeout=90_000)
            prompts = []
            for _ in range(8):  # it comes a few seconds after the page has restored, and stays
                page.wait_for_timeout(2_000)
                prompts.append(page.get_by_text("official Jupyter news").count())
            browser.close()
    finally:
        stop(server)
    assert (prompts[-1] == 0) if settings else (prompts[-1] == 1), prompts


def test_a_learner_takes_lesson_01_quiz_and_runs_a_check(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    from coursekit.lesson.quiz import PRACTICE, RUN_ME, load_bank

    questions = load_bank("01").questions
    first = questions[0]
    wrong = first.options[(first.answer + 1) % len(first.options)]
    right = first.options[first.answer]
    numeric = next(i for i, question in enumerate(questions) if question.kind == "numeric")
    total = len(questions)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 2600})  # narrow enough for hints to wrap
        try:
            page.goto(jupyterlab)
            expect(page.locator("#jp-main-statusbar").get_by_text("Idle")).to_be_visible(timeout=90_000)
            before = page.locator(".jp-OutputArea-output").filter(has_text=RUN_ME)  # the quiz cell before it runs
            expect(before).to_have_count(1)
            assert before.evaluate(MEASURE_LINES) == {"lines": 2, "splits": []}
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            rows = page.locator(".coursekit-quiz-question")
            expect(rows).to_have_count(total, timeout=90_000)

            for k in range(total):  # every option readable in full, none over another
                options = rows.nth(k).evaluate(MEASURE_OPTIONS)
                assert options["count"] == len(questions[k].options) and not options["problems"], options

            row = rows.nth(0)
            feedback = row.locator(".coursekit-quiz-feedback")
            row.get_by_text(wrong, exact=True).click()
            row.get_by_role("button", name="Check").click()
            expect(feedback.locator(".coursekit-feedback-wrong")).to_have_text(
                f"\u2718 Not quite, try again. Hint: {first.hint}", timeout=20_000)
            expect(row.locator(".coursekit-quiz-score")).to_contain_text(f"Score: 0 / {total}")
            row.get_by_text(right, exact=True).click()
            row.get_by_role("button", name="Check").click()
            expect(feedback.locator(".coursekit-feedback-right")).to_have_text(
                f"\u2714 Correct! ({PRACTICE}) {first.explanation}", timeout=20_000)
            expect(row.locator(".coursekit-quiz-score")).to_contain_text(f"Score: 0 / {total}")  # first answers count
            right_colour = feedback.locator(".coursekit-feedback-right").evaluate("e => getComputedStyle(e).borderLeftColor")

            row = rows.nth(numeric)
            expect(row.get_by_role("textbox")).to_have_value("")
            row.get_by_role("textbox").fill("abc")
            row.get_by_role("button", name="Check").click()
            expect(row.locator(".coursekit-feedback-note")).to_have_text(
                "\u25cf 'abc' is not a number: type digits, with a point for decimals, e.g. 0.5.", timeout=20_000)
            row.get_by_role("textbox").fill(str(questions[numeric].answer))
            row.get_by_role("button", name="Check").click()
            expect(row.locator(".coursekit-feedback-right")).to_be_visible(timeout=20_000)
            expect(row.locator(".coursekit-quiz-score")).to_contain_text(f"Score: 1 / {total}")  # beside it

            checks = page.locator(".jp-CodeCell").locator(".coursekit-feedback").filter(
                has_text="The epoch early stopping would keep")  # the two check cells' outputs
            expect(checks).to_have_count(2, timeout=90_000)
            expect(checks.nth(0)).to_contain_text("\u2718 [NOT YET] The epoch early stopping would keep")
            expect(checks.nth(0).locator("pre")).to_contain_text("expected: 2.0")
            expect(checks.nth(1)).to_contain_text("\u2714 [PASSED] The epoch early stopping would keep")
            wrong_colour = checks.nth(0).evaluate("e => getComputedStyle(e).borderLeftColor")
            assert wrong_colour != right_colour == checks.nth(1).evaluate("e => getComputedStyle(e).borderLeftColor")

            measured = {}
            for name, locator in [("quiz", page.locator(".coursekit-quiz-question .widget-html")),
                                  ("check", checks)]:
                for k in range(locator.count()):
                    measured[f"{name} {k}"] = locator.nth(k).evaluate(MEASURE_LINES)
            assert not {name: m["splits"] for name, m in measured.items() if m["splits"]}
            assert sum(m["lines"] > 1 for m in measured.values()) >= 3, measured  # some feedback did wrap

            control = page.evaluate("""() => {
              const box = document.createElement('div');
              box.style.cssText = 'width: 120px; word-break: break-all; font-size: 14px';
              box.textContent = 'validation_loss rose while accuracy rose: more confident, not yet worse';
              document.body.appendChild(box);
              return box.outerHTML;
            }""")
            assert control
            broken = page.locator("body > div").last.evaluate(MEASURE_LINES)
            assert broken["splits"], "the measurement must see words split where CSS breaks them"
        finally:
            page.screenshot(path=str(SCREENSHOTS / "lesson01_quiz.png"), full_page=True)
            browser.close()
