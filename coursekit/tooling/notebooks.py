"""`make notebooks`: re-execute notebooks headless to refresh their committed outputs, and keep their JSON clean."""

from __future__ import annotations

import time
from pathlib import Path

# Cell metadata worth keeping; everything else (timings, collapsed state, ...) is noise in diffs.
KEPT_CELL_METADATA = ("tags",)
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", "colab", "coursekit")  # coursekit: which exercise


def clean(nb) -> None:
    """Strip stray metadata in place: widget state, execution timings, editor state."""
    nb.metadata = {key: value for key, value in nb.metadata.items() if key in KEPT_NOTEBOOK_METADATA}
    if "language_info" in nb.metadata:
        nb.metadata["language_info"] = {"name": nb.metadata["language_info"].get("name", "python")}
    for cell in nb.cells:
        cell.metadata = {key: value for key, value in cell.metadata.items() if key in KEPT_CELL_METADATA}
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
            for output in cell.outputs:
                output.get("metadata", {}).pop("execution", None)


def _merge_streams(outputs: list) -> list:
    # A kernel may flush one print loop as several chunks; one output per stream reads the same
    # and keeps diffs stable.
    merged = []
    for output in outputs:
        if (output.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == output.name):
            merged[-1].text += output.text
        else:
            merged.append(output)
    return merged


def refresh(path, timeout: int = 900, kernel_name: str = "python3") -> float:
    """Execute notebook `path` top to bottom in its own folder, save outputs, return seconds taken.

    timeout: seconds allowed per cell. kernel_name: the Jupyter kernel to run it with.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, record_timing=False,
                   resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    seconds = time.perf_counter() - start
    clean(nb)
    nbformat.write(nb, path)
    print(f"{path}: refreshed in {seconds:.0f} s")
    return seconds
