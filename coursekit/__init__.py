"""coursekit: the helper library behind the BERT fine-tuning course (plumbing, never the lesson).

Five parts, one subpackage each; lower layers never import upper ones (tests/test_layers.py):
* coursekit.lesson  - what a lesson imports: data, models, precision, training helpers, metrics,
                      plots, highlighting, diagnose, quizzes, hints for common mistakes;
* coursekit.tooling - the course's own tooling: fetching assets, refreshing notebooks, generating
                      exercises, the command-line trainer (uses lesson);
* coursekit.sandbox - what runs inside a graded kernel (imports no other part);
* coursekit.tasks   - the exercises' tasks, their references, and the learners' `check` (uses
                      lesson and sandbox);
* coursekit.grader  - the instructor's grader (uses all of the above).
The lessons use flat names (`coursekit.load_task_dataset`, ...), imported lazily below, so
`import coursekit` is instant and works before the heavy libraries (torch, transformers) are needed.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
# The distribution this package comes from: lessons check it, because PyPI has an unrelated "coursekit".
DISTRIBUTION = "bert-finetuning-course"

# Flat name -> (subpackage.module, attribute). The lessons use only these names.
_EXPORTS = {
    "CourseError": "errors",
    "resolve_source": "lesson.sources",
    "hub_is_reachable": "lesson.sources",
    "load_task_dataset": "lesson.data",
    "check_columns": "lesson.data",
    "check_examples": "lesson.data",
    "reuters_csv": "lesson.reuters",
    "checkpoint_for": "lesson.models",
    "checkpoint_name": "lesson.models",
    "precision_args": "lesson.precision",
    "training_device": "lesson.precision",
    "describe_precision": "lesson.precision",
    "check_precision": "lesson.precision",
    "classification_scores": "lesson.metrics",
    "compute_classification_metrics": "lesson.metrics",
    "named_scores": "lesson.metrics",
    "baseline_scores": "lesson.metrics",
    "metric_path": "lesson.metrics",
    "entity_scores": "lesson.metrics",
    "word_tags": "lesson.metrics",
    "ner_metrics": "lesson.metrics",
    "normalize_answer": "lesson.metrics",
    "squad_f1": "lesson.metrics",
    "squad_scores": "lesson.metrics",
    "highlight_entities": "lesson.highlight",
    "highlight_answer": "lesson.highlight",
    "HistoryCallback": "lesson.training",
    "check_labels": "lesson.training",
    "mean_over_labels": "lesson.training",
    "training_speed": "lesson.training",
    "plot_learning_curves": "lesson.plots",
    "plot_confusion_matrix": "lesson.plots",
    "plot_weight_change": "lesson.plots",
    "plot_runs": "lesson.plots",
    "plot_class_histogram": "lesson.plots",
    "diagnose": "lesson.diagnose",
    "explain": "lesson.mistakes",
    "write_model_card": "lesson.modelcard",
    "prepare_notebook": "lesson.setup",
    "show_quiz": "lesson.quiz",
    "fetch_assets": ("tooling.fetch", "fetch_all"),
    "check": "tasks.check",
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
