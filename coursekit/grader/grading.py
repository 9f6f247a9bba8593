"""The learner-side names under their older module path: `check` and `run_task` (see learner.py)."""

from __future__ import annotations

from .learner import check, run_task
from .tasks import UnknownTaskError

__all__ = ["check", "run_task", "UnknownTaskError"]
