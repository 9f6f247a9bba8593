"""SQuAD v1.1 exact match and F1 as an `evaluate` metric that loads offline.

Usage: evaluate.load(coursekit.metrics.metric_path("squad")).compute(
           predictions=[{"id": ..., "prediction_text": ...}],
           references=[{"id": ..., "answers": {"text": [...], "answer_start": [...]}}])
"""

import datasets
import evaluate

from coursekit.lesson.metrics import squad_scores


class Squad(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="SQuAD v1.1 exact match and F1 (percent), with the official answer normalisation.",
            citation="",
            inputs_description="predictions: {id, prediction_text}; references: {id, answers}.",
            features=datasets.Features({
                "predictions": {"id": datasets.Value("string"), "prediction_text": datasets.Value("string")},
                "references": {"id": datasets.Value("string"),
                               "answers": datasets.Sequence({"text": datasets.Value("string"),
                                                             "answer_start": datasets.Value("int32")})},
            }),
        )

    def _compute(self, predictions, references):
        return squad_scores({p["id"]: p["prediction_text"] for p in predictions},
                            {r["id"]: list(r["answers"]["text"]) for r in references})
