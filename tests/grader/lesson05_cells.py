"""The cells of a lesson-05 exercise notebook that the grader tests build submissions from: an honest
learner's answers, the untouched placeholders, and the check calls."""

SETUP = "import coursekit"
BEST = 'def best_epoch(rows):\n    return min(rows, key=lambda row: row["validation_loss"])["epoch"]'
OVERFIT = ('def overfitting_from(rows):\n    losses = [row["validation_loss"] for row in rows]\n'
           '    best = losses.index(min(losses))\n    return rows[best + 1]["epoch"] if best + 1 < len(rows) else None')
COLLAPSED = ("import numpy as np\n\ndef is_collapsed(predictions):\n    counts = np.bincount(np.asarray(predictions))\n"
             "    return bool(counts.max() / counts.sum() >= 0.95)")
PLACEHOLDERS = ["def best_epoch(rows):\n    # YOUR CODE HERE\n    ...",
                "def overfitting_from(rows):\n    # YOUR CODE HERE\n    ...",
                "import numpy as np\n\ndef is_collapsed(predictions):\n    # YOUR CODE HERE\n    ..."]
CHECKS = ['coursekit.check("05-best-epoch", best_epoch)', 'coursekit.check("05-overfitting-from", overfitting_from)',
          'coursekit.check("05-is-collapsed", is_collapsed)']
