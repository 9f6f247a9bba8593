"""Comparators: does a returned value (plain data) match the reference? If not, say how, labelled.

A comparator takes (expected, got) and returns None when they match, or a Mismatch: what was
expected and what came back, each labelled, and a detail line (the tolerance of a numeric check is
always stated). `got` is untrusted plain data from the kernel: comparators never assume its type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SHOWN_CHARS = 300


@dataclass(frozen=True)
class Mismatch:
    """How an answer differs: `expected` and `got` as labelled text, and a detail line."""

    expected: str
    got: str
    detail: str = ""


def show(value) -> str:
    """A short readable rendering of plain data (floats to 8 significant digits)."""
    text = repr(_rounded(value))
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + " ..."


def _rounded(value):
    if isinstance(value, float):
        return float(format(value, ".8g"))
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_rounded(item) for item in value)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


# plain types by their Python names, as the learner would say them
PLAIN_NAMES = {"bool": "a bool", "int": "an int", "float": "a float", "str": "a string", "list": "a list",
               "dict": "a dict", "NoneType": "None"}


def type_name(value) -> str:
    """The kind of plain value, as the learner would say it: "a list", "an int", "None"."""
    plain = (bool, int, float, str, list, dict, type(None))
    return PLAIN_NAMES[type(value).__name__] if type(value) in plain else type(value).__name__


def is_number(value) -> bool:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_number(value):
    """`value` as a float if it is a number or a one-element list of one; else None."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return float(value) if is_number(value) else None


def equal(expected, got) -> bool:
    """Exact equality of plain data, where 2 == 2.0 but True is not 1 and tuples equal lists."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if is_number(expected) and is_number(got):
        return expected == got
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(expected) == len(got) and all(equal(e, g) for e, g in zip(expected, got))
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(equal(expected[k], got[k]) for k in expected)
    return type(expected) is type(got) and expected == got


def exact(expected, got) -> Mismatch | None:
    """Equal values (see `equal`), else a Mismatch showing both."""
    if equal(expected, got):
        return None
    same_kind = type(_kind(expected)) is type(_kind(got))
    detail = "" if same_kind else f"expected {type_name(expected)}, got {type_name(got)}"
    return Mismatch(show(expected), show(got), detail)


def _kind(value):
    return 0.0 if is_number(value) else value


def close(tolerance: float):
    """A comparator for one number: |got - expected| <= tolerance (stated in the feedback)."""

    def compare(expected, got) -> Mismatch | None:
        number = as_number(got)
        if number is None:
            return Mismatch(show(expected), show(got), f"expected a number, got {type_name(got)}")
        if math.isfinite(number) and abs(number - expected) <= tolerance:
            return None
        return Mismatch(show(expected), show(number), off_by(expected, number, tolerance))

    return compare


def off_by(expected: float, got: float, tolerance: float) -> str:
    """The detail line of a numeric mismatch: by how much, and the tolerance."""
    if not math.isfinite(got):
        return f"got {got}; numbers must match within {tolerance:g}"
    return f"off by {abs(got - expected):.2g}; numbers must match within {tolerance:g}"


def close_list(tolerance: float):
    """A comparator for a list of numbers, each within `tolerance`."""

    def compare(expected, got) -> Mismatch | None:
        if not isinstance(got, list) or len(got) != len(expected):
            detail = (f"expected a list of {len(expected)} numbers, got {type_name(got)}"
                      + (f" of {len(got)}" if isinstance(got, list) else ""))
            return Mismatch(show(expected), show(got), detail)
        for index, (e, g) in enumerate(zip(expected, got)):
            number = as_number(g)
            if number is None or not math.isfinite(number) or abs(number - e) > tolerance:
                detail = (f"item {index}: " + (off_by(e, number, tolerance) if number is not None
                                               else f"expected a number, got {type_name(g)}"))
                return Mismatch(show(expected), show(got), detail)
        return None

    return compare


def close_dict(tolerance: float, extra_keys_allowed: bool = False):
    """A comparator for {name: number}: the same names (extra ones allowed if said), each within `tolerance`."""

    def compare(expected, got) -> Mismatch | None:
        if not isinstance(got, dict):
            return Mismatch(show(expected), show(got), f"expected a dict, got {type_name(got)}")
        missing = [key for key in expected if key not in got]
        extra = [] if extra_keys_allowed else [key for key in got if key not in expected]
        if missing or extra:
            detail = "; ".join(part for part in (f"missing keys: {show(missing)}" if missing else "",
                                                 f"unexpected keys: {show(extra)}" if extra else "") if part)
            return Mismatch(show(expected), show(got), detail)
        for key, value in expected.items():
            number = as_number(got[key])
            if number is None or not math.isfinite(number) or abs(number - value) > tolerance:
                detail = (f"[{key!r}]: " + (off_by(value, number, tolerance) if number is not None
                                            else f"expected a number, got {type_name(got[key])}"))
                return Mismatch(f"{key!r}: {show(value)}", f"{key!r}: {show(got[key])}", detail)
        return None

    return compare


def boolean(expected, got) -> Mismatch | None:
    """True or False exactly (NumPy and torch booleans arrive here as bools); an int is not a bool."""
    if not isinstance(got, bool):
        return Mismatch(show(expected), show(got), f"return True or False, not {type_name(got)}")
    return None if got == expected else Mismatch(show(expected), show(got))
