"""The grade reports as text for the terminal: one submission in full, or one line per submission.

Everything printed is cleaned first (safetext): a notebook's exception message or file name cannot
move the cursor, hide lines or crash the printing with text the terminal cannot encode."""

from __future__ import annotations

import textwrap

from ..tasks.safetext import MESSAGE_CHARS, clean


def _text(value, limit: int = MESSAGE_CHARS) -> str:
    return clean(value, limit, newlines=True)


def _indented(text: str, prefix: str = "       ") -> str:
    return textwrap.indent(_text(text), prefix)


def format_report(report: dict) -> str:
    """One submission: a line per task with its feedback under it, notes, then the total."""
    if report.get("error"):
        return f"error: {clean(report['error'], MESSAGE_CHARS)}"
    lines = [f"{clean(report['submission'], MESSAGE_CHARS)} (exercise {clean(report['exercise'])})"]
    for row in report["tasks"]:
        lines.append(f"{row['points']}/{row['max_points']}  {clean(row['status']):<13}  {clean(row['task'])}: "
                     f"{clean(row['title'])}")
        if row["status"] != "passed":
            lines.append(_indented(row["message"]))
            if row.get("hint"):
                lines.append(_indented(f"hint: {row['hint']}"))
    lines += [f"note: {clean(note, MESSAGE_CHARS)}" for note in report.get("notes", [])]
    lines.append(f"total: {report['score']}/{report['max_score']}")
    lines.append(f"isolation: {clean(report.get('isolation') or 'none')}")
    return "\n".join(lines)


def format_line(report: dict) -> str:
    """One submission in one line: score, name, exercise, or its error."""
    if report.get("error"):
        return f"  -    {clean(report['submission'], MESSAGE_CHARS)}: error: {clean(report['error'], MESSAGE_CHARS)}"
    name = clean(report["submission"], MESSAGE_CHARS)
    return (f"{report['score']}/{report['max_score']}  {name} (exercise {report['exercise']}, "
            f"isolation: {clean(report.get('isolation') or 'none')})")
