"""Text that came from a submission (a kernel's exception message, a type name, a file name, a cell's
first line), made safe to print, write and put in a spreadsheet: control characters (ANSI escapes
included), bidirectional overrides and lone surrogates are shown as escapes, long text is cut, and a
CSV cell that a spreadsheet would run as a formula gets a leading quote."""

from __future__ import annotations

import hashlib
import os
import re

LONG = 300
MESSAGE_CHARS = 4000  # a whole feedback message, note or error as printed and stored
_INVISIBLE = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"  # DEL, C1, bidi, surrogates
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]")
_UNSAFE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text, limit: int | None = LONG, newlines: bool = False) -> str:
    """`text` (anything; str() of it) with unsafe characters escaped and cut to `limit` characters.

    newlines: keep line breaks (and tabs), for a multi-line message the grader wrote itself."""
    try:
        text = text if isinstance(text, str) else str(text)
    except Exception:
        text = "?"
    text = str.__str__(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return (_UNSAFE_KEEP_LINES if newlines else _UNSAFE).sub(_escape, text)


def path_text(path) -> str:
    """A file name as text, whatever its bytes: undecodable bytes as \\xNN, control characters escaped."""
    raw = os.fsencode(path)
    return clean(raw.decode("utf-8", "backslashreplace"), None)


def short_hash(text: str) -> str:
    """Eight hex digits that tell two names apart (surrogate-escaped bytes included)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def csv_cell(value):
    """A gradebook cell: text that starts like a formula (=, +, -, @) gets a leading quote."""
    if isinstance(value, str):
        value = clean(value, None)
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return value
