"""The first call of every lesson: a repeatable, readable notebook."""

from __future__ import annotations

import logging
import warnings


class _NoLoadReport(logging.Filter):
    """Drops transformers' load report, a red block at every from_pretrained (lesson 01 shows its content)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "LOAD REPORT" not in record.getMessage()


def _hide_load_reports(logger: logging.Logger) -> None:
    # A filter, not a log level: a quieter logger would also switch Trainer's progress bar off (disable_tqdm
    # follows the log level) and makes from_pretrained print a tensor-parallel warning.
    if not any(isinstance(f, _NoLoadReport) for f in logger.filters):
        logger.addFilter(_NoLoadReport())


def prepare_notebook(seed: int = 42) -> None:
    """Make a lesson repeatable and its output readable: seed everything, quiet per-row progress bars and reports.

    seed: the seed for Python, NumPy and PyTorch (transformers.set_seed). Trainer keeps its own
    progress bar; the per-call bars of `.map` and weight loading (with timings) are switched off, and
    so is transformers' load report (lesson 01 shows what it says, with output_loading_info=True).
    In Jupyter, errors caused by common mistakes get a hint naming the fix (see coursekit.mistakes).
    """
    import datasets
    import transformers

    from .mistakes import install_hints

    install_hints()
    # On a CPU-only machine every DataLoader warns that pin_memory has no effect: pure noise.
    warnings.filterwarnings("ignore", message=".*'pin_memory' argument is set as true.*")
    transformers.set_seed(seed)
    transformers.utils.logging.disable_progress_bar()  # "Loading weights" bars carry timings
    _hide_load_reports(transformers.utils.logging.get_logger("transformers.modeling_utils"))
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
