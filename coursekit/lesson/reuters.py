"""Lesson 06's data: Reuters-21578 R8 written out as ordinary CSV files (text,label), the shape a learner's own file has.

The offline asset "topics" holds Orange's .tab files (tab-separated, three header rows: names, types, roles).
The lesson reads the CSVs with `datasets.load_dataset("csv", ...)`, as it would read a learner's file;
the same files serve every source (hub, offline, Colab), so no Hub dataset is needed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .assets import asset_dir, cache_dir

SPLITS = ("train", "test")
TAB_FILE = "reuters-r8-{split}.tab"
CSV_FOLDER = "topics-csv"  # under the cache, beside the assets


def read_tab(path: Path) -> list[tuple[str, str]]:
    """(text, label) rows of one Orange .tab file; rows 2 and 3 (types, roles) and blank lines are skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[3:]
    label_col, text_col = header.index("Category"), header.index("Text")
    return [(row[text_col], row[label_col]) for row in body if row]


def reuters_csv(split: str = "train") -> Path:
    """Path of Reuters R8 split `split` ("train" or "test") as a CSV file with columns text,label.

    Written once from the verified offline asset, then reused; raises AssetError naming the fetch
    command when the asset is missing.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    source = asset_dir("topics") / TAB_FILE.format(split=split)
    target = cache_dir() / CSV_FOLDER / f"reuters-r8-{split}.csv"
    if target.is_file() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(read_tab(source))
    partial.replace(target)  # atomic: a half-written file is never read
    return target
