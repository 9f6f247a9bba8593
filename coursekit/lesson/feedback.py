"""Feedback a learner reads at a glance: quiz answers and `coursekit.check`'s exercise reports as HTML.

A coloured box with a mark says right (green, check mark), wrong (red, cross) or not graded (grey,
dot) before a word is read; prose wraps at spaces, never inside a word; code stays code: text in
backticks and identifiers such as `eval_loss` or `word_ids()` in a monospace font, and lines indented
by two spaces (a check's "  input:", "  expected:", "  got:") as a code block that keeps its spacing.
Everything shown comes from escaped text, so a learner's value (`<script>`, `$x$`) shows as written:
no tag runs and no formula is typeset (MathJax skips the box's classes).

Each feedback also has a plain-text form, the same words: the text/plain of the same display (nbval
compares it, a terminal shows it) and what the tests read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

RIGHT, WRONG, NOTE = "right", "wrong", "note"
# tone -> (mark, colour of the mark, title and border, background); dark text on a light background,
# so the box reads the same in light and dark themes
TONES = {
    RIGHT: ("\u2714", "#1a7f37", "#e9f6ec"),
    WRONG: ("\u2718", "#c0362c", "#fdeeec"),
    NOTE: ("\u25cf", "#5a6472", "#f1f3f5"),
}
CODE_LINE = "  "  # a body line that starts so is code (a check's input, expected and got)
CODE_FONT = "var(--jp-code-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)"
# `backticked`, a call such as best_epoch(rows), or a word that is clearly code (see _is_code)
CODE_SPAN = re.compile(r"`([^`\n]+)`|(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\([^()\n]*\))"
                       r"|(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?![\w(])")
BOX_STYLE = ("border-left: 4px solid {colour}; background: {background}; color: #1f2328; padding: 6px 10px; "
             "margin: 4px 0; border-radius: 4px; line-height: 1.5; white-space: normal; word-break: normal; "
             "overflow-wrap: break-word; font-family: var(--jp-ui-font-family, system-ui, sans-serif); "
             "font-size: var(--jp-content-font-size1, 14px)")
CODE_STYLE = (f"font-family: {CODE_FONT}; font-size: 0.92em; background: rgba(0, 0, 0, 0.06); "
              "padding: 0 3px; border-radius: 3px")
BLOCK_STYLE = (f"font-family: {CODE_FONT}; font-size: 0.92em; margin: 4px 0; padding: 4px 6px; "
               "background: rgba(0, 0, 0, 0.06); border-radius: 3px; white-space: pre-wrap; word-break: normal; "
               "overflow-wrap: normal; overflow-x: auto; color: #1f2328")
TAG_STYLE = "color: #5a6472; font-style: italic"


def _is_code(word: str) -> bool:
    """Whether a word reads as code: snake_case or dotted.names (not "e.g" or "i.e")."""
    if "_" in word.strip("_"):
        return True
    parts = word.split(".")
    return len(parts) > 1 and all(len(part) > 1 for part in parts)


def inline(text: str) -> str:
    """`text` as HTML: escaped, with backticked text and code-like words in <code>.

    text: one line of prose.
    """
    parts, start = [], 0
    for match in CODE_SPAN.finditer(text):
        code = match.group(1) or match.group(2) or match.group(3)
        if match.group(3) and not _is_code(code):
            continue
        parts += [html.escape(text[start:match.start()], quote=False),
                  f'<code style="{CODE_STYLE}">{html.escape(code, quote=False)}</code>']
        start = match.end()
    return "".join(parts) + html.escape(text[start:], quote=False)


def body_html(body: str) -> str:
    """The body's lines as HTML: runs of lines indented by CODE_LINE as one code block, others as prose."""
    blocks: list[tuple[bool, list[str]]] = []
    for line in body.split("\n"):
        code = line.startswith(CODE_LINE)
        if blocks and blocks[-1][0] == code:
            blocks[-1][1].append(line)
        else:
            blocks.append((code, [line]))
    out = []
    for code, lines in blocks:
        if code:
            text = "\n".join(line[len(CODE_LINE):] for line in lines)
            out.append(f'<pre style="{BLOCK_STYLE}">{html.escape(text, quote=False)}</pre>')
        else:
            out += [f'<div>{inline(line)}</div>' for line in lines if line.strip()]
    return "".join(out)


@dataclass(frozen=True)
class Feedback:
    """One piece of feedback: a `tone` (RIGHT, WRONG or NOTE), a bold `title`, a `body`, an optional `tag`.

    title: the first words ("Correct!", "[PASSED] Tokenize a batch"). body: the rest; lines indented by
    two spaces are code. tag: a short label after the title, e.g. "practice". joiner: what separates
    title and body in the plain text (" " for one line, "\\n" for a report of several lines).
    """

    tone: str
    title: str
    body: str = ""
    tag: str = ""
    joiner: str = " "

    def __post_init__(self):
        if self.tone not in TONES:
            raise ValueError(f"tone must be one of {', '.join(TONES)}, not {self.tone!r}")

    @property
    def text(self) -> str:
        """The plain-text form: title, (tag), body."""
        head = f"{self.title} ({self.tag})" if self.tag else self.title
        return self.joiner.join(part for part in (head, self.body) if part)

    def html(self) -> str:
        """The HTML form: a box coloured by tone, its mark, the title and tag, then the body."""
        mark, colour, background = TONES[self.tone]
        tag = f' <span class="coursekit-feedback-tag" style="{TAG_STYLE}">({html.escape(self.tag, quote=False)})</span>' \
            if self.tag else ""
        head = (f'<span aria-hidden="true" style="color: {colour}; font-weight: bold">{mark}</span> '
                f'<strong style="color: {colour}">{inline(self.title)}</strong>{tag}')
        inline_body = self.joiner == " " and "\n" not in self.body
        if inline_body and self.body:
            content = f"<div>{head} {inline(self.body)}</div>"
        else:
            content = f"<div>{head}</div>{body_html(self.body)}"
        style = BOX_STYLE.format(colour=colour, background=background)
        return (f'<div class="coursekit-feedback coursekit-feedback-{self.tone} tex2jax_ignore mathjax_ignore" '
                f'style="{style}">{content}</div>')

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text


def show_feedback(tone: str, title: str, body: str) -> Feedback:
    """Show a report of several lines (a check's) and return it: HTML in a notebook, with its plain text as
    the text/plain of the same display; outside IPython, the plain text is printed.

    tone: RIGHT, WRONG or NOTE. title: its first line. body: the lines under it.
    """
    from IPython.display import display  # prints the plain text where no IPython shell runs

    feedback = Feedback(tone, title, body, joiner="\n")
    display(feedback)
    return feedback
