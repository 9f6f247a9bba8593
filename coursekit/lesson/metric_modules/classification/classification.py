"""Accuracy, F1, precision and recall as an `evaluate` metric that loads without the Hub.

Usage: evaluate.load(coursekit.metrics.metric_path("classification")).compute(
           predictions=[...], references=[...], average=None)
"""

import datasets
import evaluate

from coursekit.lesson.metrics import classification_scores


class Classification(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Accuracy, F1, precision and recall (binary for 0/1 labels, else macro).",
            citation="",
            inputs_description="predictions and references: integer class ids; average: "
                               "'binary', 'macro', 'micro' or None (auto).",
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, average=None):
        return classification_scores(references, predictions, average=average)
