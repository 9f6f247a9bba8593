"""What nbval compares, read with nbval's own code (never a re-implementation of its sanitizer file format)."""

from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import pytest
from nbval.plugin import IPyNbCell, get_sanitize_patterns

SANITIZE_FILE = Path(__file__).resolve().parents[1] / "nbval_sanitize.cfg"


@pytest.fixture(scope="session")
def nbval_patterns() -> "OrderedDict[str, str]":
    """regex -> replacement, as nbval reads tests/nbval_sanitize.cfg (IPyNbFile.setup_sanitize_files)."""
    return OrderedDict(get_sanitize_patterns(SANITIZE_FILE.read_text()))


@pytest.fixture(scope="session")
def nbval_sanitize(nbval_patterns):
    """text -> what nbval compares of it: nbval's own substitution (IPyNbCell.sanitize) with the file's patterns."""
    holder = SimpleNamespace(parent=SimpleNamespace(sanitize_patterns=nbval_patterns))
    return lambda text: IPyNbCell.sanitize(holder, text)
