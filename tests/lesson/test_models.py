from pathlib import Path

import pytest

from coursekit.lesson.data import UnknownTaskError
from coursekit.lesson.models import OFFLINE_NAME, checkpoint_for, checkpoint_name


def test_offline_checkpoint_is_the_verified_minilm_folder():
    checkpoint = checkpoint_for("sentiment", "offline")
    assert (Path(checkpoint) / "model.safetensors").is_file()
    assert checkpoint_name(checkpoint) == OFFLINE_NAME


def test_hub_checkpoints_are_bert_base():
    assert checkpoint_for("sentiment", "hub") == "bert-base-uncased"
    assert checkpoint_name("bert-base-uncased") == "bert-base-uncased"


def test_unknown_task():
    with pytest.raises(UnknownTaskError, match="tasks are"):
        checkpoint_for("translation", "offline")
