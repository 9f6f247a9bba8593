"""Entity-level precision, recall and F1 (seqeval's numbers) as an `evaluate` metric that loads offline.

Usage: evaluate.load(coursekit.metrics.metric_path("entities")).compute(
           predictions=[["B-PER", "O", ...], ...], references=[[...], ...])
"""

import datasets
import evaluate

from coursekit.lesson.metrics import entity_scores


class Entities(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Entity-level precision, recall and F1 per type and overall, equal to seqeval.",
            citation="",
            inputs_description="predictions and references: one list of IOB tag names per sentence.",
            features=datasets.Features({"predictions": datasets.Sequence(datasets.Value("string")),
                                        "references": datasets.Sequence(datasets.Value("string"))}),
        )

    def _compute(self, predictions, references):
        return entity_scores(references, predictions)
