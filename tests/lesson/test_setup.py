"""prepare_notebook: repeatable, and readable — no load report, but Trainer's progress bar stays on."""

import logging
import random

import transformers

from coursekit.lesson.setup import prepare_notebook


def test_seeded():
    prepare_notebook(seed=3)
    first = random.random()
    prepare_notebook(seed=3)
    assert random.random() == first


def test_the_load_report_is_hidden_and_other_warnings_are_not(caplog):
    prepare_notebook()
    prepare_notebook()  # twice, as a learner re-running the cell: one filter, not two
    logger = transformers.utils.logging.get_logger("transformers.modeling_utils")
    assert len(logger.filters) == 1
    report = logging.LogRecord("transformers.modeling_utils", logging.WARNING, "", 0,
                               "BertModel LOAD REPORT from: /x", None, None)
    other = logging.LogRecord("transformers.modeling_utils", logging.WARNING, "", 0, "something else", None, None)
    assert not logger.filters[0].filter(report) and logger.filters[0].filter(other)


def test_trainer_keeps_its_progress_bar(tmp_path):
    prepare_notebook()
    args = transformers.TrainingArguments(str(tmp_path), report_to="none")
    assert args.disable_tqdm is False  # it follows the log level, which prepare_notebook leaves alone
