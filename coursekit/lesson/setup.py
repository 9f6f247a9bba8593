"""The first call of every lesson: a repeatable, readable notebook."""

from __future__ import annotations

import warnings


def prepare_notebook(seed: int = 42) -> None:
    """Make a lesson repeatable and its output readable: seed everything, quiet per-row progress bars.

    seed: the seed for Python, NumPy and PyTorch (transformers.set_seed). Trainer keeps its own
    progress bar; the per-call bars of `.map` and weight loading (with timings) are switched off.
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
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
