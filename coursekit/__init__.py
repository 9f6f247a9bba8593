"""coursekit: the helper library behind the BERT fine-tuning course (plumbing, never the lesson).

The names below are imported lazily, so `import coursekit` is instant and works before the heavy
libraries (torch, transformers) are needed.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "CourseError": "errors",
    "resolve_source": "sources",
    "fetch_assets": ("assets", "fetch_all"),
    "load_task_dataset": "data",
    "check_columns": "data",
    "check_examples": "data",
    "checkpoint_for": "models",
    "checkpoint_name": "models",
    "precision_args": "models",
    "training_device": "models",
    "describe_precision": "models",
    "classification_scores": "metrics",
    "compute_classification_metrics": "metrics",
    "metric_path": "metrics",
    "entity_scores": "metrics",
    "word_tags": "metrics",
    "ner_metrics": "metrics",
    "normalize_answer": "metrics",
    "squad_f1": "metrics",
    "squad_scores": "metrics",
    "highlight_entities": "highlight",
    "highlight_answer": "highlight",
    "HistoryCallback": "training",
    "check_labels": "training",
    "mean_over_labels": "training",
    "check_precision": "training",
    "training_speed": "training",
    "plot_learning_curves": "plots",
    "plot_confusion_matrix": "plots",
    "plot_weight_change": "plots",
    "plot_runs": "plots",
    "plot_class_histogram": "plots",
    "diagnose": "diagnose",
    "explain": "mistakes",
    "write_model_card": "modelcard",
    "prepare_notebook": "notebooks",
    "show_quiz": "quiz",
    "check": "grading",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'coursekit' has no attribute {name!r}")
    module, attr = _EXPORTS[name] if isinstance(_EXPORTS[name], tuple) else (_EXPORTS[name], name)
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
