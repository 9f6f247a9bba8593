"""Coloured HTML views of entities in a sentence and of answers in a passage.

Each function returns an object that renders as HTML in Jupyter and as readable plain text
elsewhere (a terminal, nbval's comparison), so the same cell works in both places.
"""

from __future__ import annotations

import html

from .conll import entity_spans

ENTITY_COLOURS = {"PER": "#ffd6a5", "ORG": "#bde0fe", "LOC": "#caffbf", "MISC": "#e4c1f9"}
ANSWER_COLOURS = {"gold": "#caffbf", "predicted": "#ffd6a5", "both": "#9bf6ff"}


class Highlighted:
    """HTML for notebooks with a plain-text twin for everything else."""

    def __init__(self, html_text: str, plain_text: str):
        self.html, self.text = html_text, plain_text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _mark(text: str, colour: str, label: str = "", border: str = "") -> str:
    style = f"background:{colour};padding:1px 3px;border-radius:3px;{border}"
    tag = f"<sup style='font-size:0.7em;font-weight:bold'> {label}</sup>" if label else ""
    return f"<span style='{style}'>{html.escape(text)}{tag}</span>"


def _entity_line(tokens: list[str], tags: list[str], wrong: set) -> tuple[str, str]:
    spans = {first: (kind, last) for kind, first, last in entity_spans(tags)}
    parts_html, parts_text, i = [], [], 0
    while i < len(tokens):
        if i in spans:
            kind, last = spans[i]
            words = " ".join(tokens[i:last + 1])
            border = "outline:2px solid #d00;" if (kind, i, last) in wrong else ""
            parts_html.append(_mark(words, ENTITY_COLOURS.get(kind, "#eee"), kind, border))
            parts_text.append(f"[{words}]{kind}" + ("!" if border else ""))
            i = last + 1
        else:
            parts_html.append(html.escape(tokens[i]))
            parts_text.append(tokens[i])
            i += 1
    return " ".join(parts_html), " ".join(parts_text)


def highlight_entities(tokens: list[str], tags: list[str], gold: list[str] | None = None) -> Highlighted:
    """A sentence with its entities coloured by type; with `gold`, predictions and truth one above the other.

    tokens: the words. tags: IOB2 tag names per word (e.g. predictions). gold: the true tags; entities
    that differ between the two are outlined in red (marked "!" in the plain text).
    """
    if len(tokens) != len(tags) or (gold is not None and len(gold) != len(tokens)):
        raise ValueError("tokens, tags (and gold) need one entry per word.")
    if gold is None:
        line_html, line_text = _entity_line(tokens, tags, set())
        return Highlighted(f"<div style='line-height:2'>{line_html}</div>", line_text)
    predicted, true = set(entity_spans(tags)), set(entity_spans(gold))
    rows = [("gold", *_entity_line(tokens, gold, true - predicted)),
            ("predicted", *_entity_line(tokens, tags, predicted - true))]
    body = "".join(f"<tr><td style='color:#666;padding-right:8px'>{name}</td>"
                   f"<td style='line-height:2;text-align:left'>{line}</td></tr>" for name, line, _ in rows)
    return Highlighted(f"<table>{body}</table>", "\n".join(f"{name:>9}: {text}" for name, _, text in rows))


def highlight_answer(context: str, gold: tuple[int, int] | None = None,
                     predicted: tuple[int, int] | None = None) -> Highlighted:
    """A passage with the true answer (green), the predicted one (orange) and their overlap (blue).

    context: the passage. gold, predicted: (start, end) character spans, end exclusive.
    """
    spans = {name: span for name, span in (("gold", gold), ("predicted", predicted)) if span}
    for name, (start, end) in spans.items():
        if not 0 <= start <= end <= len(context):
            raise ValueError(f"The {name} span {start}:{end} is outside the {len(context)}-character context.")
    cuts = sorted({0, len(context), *(i for span in spans.values() for i in span)})
    parts_html, parts_text = [], []
    for start, end in zip(cuts, cuts[1:]):
        inside = [name for name, (a, b) in spans.items() if a <= start and end <= b]
        piece = context[start:end]
        if not inside:
            parts_html.append(html.escape(piece))
            parts_text.append(piece)
        else:
            kind = "both" if len(inside) == 2 else inside[0]
            parts_html.append(_mark(piece, ANSWER_COLOURS[kind]))
            parts_text.append(f"[[{piece}]]" if kind == "both" else f"<{kind}:{piece}>")
    legend = " ".join(_mark(name, colour) for name, colour in ANSWER_COLOURS.items())
    return Highlighted(f"<div style='line-height:1.8'>{''.join(parts_html)}</div>"
                       f"<div style='font-size:0.8em;margin-top:4px'>{legend}</div>", "".join(parts_text))
