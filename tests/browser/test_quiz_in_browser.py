"""A real browser answers a lesson's quiz in JupyterLab: wrong (a hint), right (the explanation), not a number.

JupyterLab runs on 127.0.0.1 with a token; Debian's Chromium is driven by playwright (never
`playwright install`, which downloads a browser). The notebook opened is the lesson's own quiz
cells: its first code cell and its quiz cell, copied from the lesson.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lessons" / "01_what_is_fine_tuning.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("COURSEKIT_SCREENSHOTS", ROOT / "tests" / "browser" / "screenshots"))


def quiz_notebook(folder: Path) -> Path:
    lesson = nbformat.read(LESSON, as_version=4)
    code = [cell for cell in lesson.cells if cell.cell_type == "code"]
    quiz_cells = [cell for cell in code if "show_quiz(" in cell.source]
    assert quiz_cells, f"{LESSON.name} has no quiz cell"
    cells = [code[0], quiz_cells[0]]
    for cell in cells:
        cell.outputs, cell.execution_count = [], None
    path = folder / "quiz.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=lesson.metadata), path)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    token, port = secrets.token_hex(16), free_port()
    notebook = quiz_notebook(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
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
    yield f"{base}/lab/tree/{notebook.name}?token={token}"
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def test_answer_lesson_01_quiz_wrong_then_right(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    from coursekit.lesson.quiz import load_bank

    questions = load_bank("01").questions
    first = questions[0]
    wrong = first.options[(first.answer + 1) % len(first.options)]
    right = first.options[first.answer]
    numeric = next(i for i, question in enumerate(questions) if question.kind == "numeric")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 2200})
        try:
            page.goto(jupyterlab)
            expect(page.locator("#jp-main-statusbar").get_by_text("Idle")).to_be_visible(timeout=90_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            rows = page.locator(".coursekit-quiz-question")
            expect(rows).to_have_count(len(questions), timeout=90_000)
            row = rows.nth(0)
            feedback = row.locator(".coursekit-quiz-feedback")

            row.get_by_text(wrong, exact=True).click()
            row.get_by_role("button", name="Check").click()
            expect(feedback).to_have_text(f"Not quite, try again. Hint: {first.hint}", timeout=20_000)
            row.get_by_text(right, exact=True).click()
            row.get_by_role("button", name="Check").click()
            expect(feedback).to_have_text(f"Correct! {first.explanation}", timeout=20_000)
            expect(page.get_by_text(f"Score: 1 / {len(questions)}")).to_be_visible()

            row = rows.nth(numeric)
            expect(row.get_by_role("textbox")).to_have_value("")
            row.get_by_role("textbox").fill("abc")
            row.get_by_role("button", name="Check").click()
            expect(row.locator(".coursekit-quiz-feedback")).to_have_text(
                "'abc' is not a number: type digits, with a point for decimals, e.g. 0.5.", timeout=20_000)
            expect(page.get_by_text(f"Score: 1 / {len(questions)}")).to_be_visible()
        finally:
            page.screenshot(path=str(SCREENSHOTS / "lesson01_quiz.png"), full_page=True)
            browser.close()
