"""The grade reports as text for the terminal: one submission in full, or one line per submission."""

from __future__ import annotations

import textwrap


def _indented(text: str, prefix: str = "       ") -> str:
    return textwrap.indent(text, prefix)


def format_report(report: dict) -> str:
    """One submission: a line per task with its feedback under it, notes, then the total."""
    if report.get("error"):
        return f"error: {report['error']}"
    lines = [f"{report['submission']} (exercise {report['exercise']})"]
    for row in report["tasks"]:
        lines.append(f"{row['points']}/{row['max_points']}  {row['status']:<13}  {row['task']}: {row['title']}")
        if row["status"] != "passed":
            lines.append(_indented(row["message"]))
            if row.get("hint"):
                lines.append(_indented(f"hint: {row['hint']}"))
    lines += [f"note: {note}" for note in report.get("notes", [])]
    lines.append(f"total: {report['score']}/{report['max_score']}")
    return "\n".join(lines)


def format_line(report: dict) -> str:
    """One submission in one line: score, name, exercise, or its error."""
    if report.get("error"):
        return f"  -    {report['submission']}: error: {report['error']}"
    return f"{report['score']}/{report['max_score']}  {report['submission']} (exercise {report['exercise']})"
