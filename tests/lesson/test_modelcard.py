from transformers import TrainingArguments

from coursekit.lesson.modelcard import write_model_card


def test_model_card_has_what_a_reader_needs(tmp_path):
    args = TrainingArguments(str(tmp_path / "run"), learning_rate=1e-4, per_device_train_batch_size=16,
                             num_train_epochs=2, seed=42, warmup_steps=0.1, report_to="none")
    rows = [{"epoch": 1.0, "step": 200, "train_loss": 0.61, "validation_loss": 0.48, "accuracy": 0.79},
            {"epoch": 2.0, "step": 400, "train_loss": float("nan"), "validation_loss": 0.45, "accuracy": 0.82}]
    path = write_model_card(tmp_path / "model", model_name="minilm-rt", base_model="MiniLM-L6",
                            dataset="Rotten Tomatoes", task="text-classification", training_args=args,
                            history_rows=rows, test_metrics={"accuracy": 0.8123},
                            intended_use="Sorting short English film reviews.",
                            limitations="Trained on critics' snippets only.")
    card = path.read_text()
    assert path == tmp_path / "model" / "README.md"
    assert card.startswith("---\nlibrary_name: transformers\nbase_model: MiniLM-L6\n")
    for expected in ["- learning_rate: 0.0001", "- train_batch_size: 16", "- num_epochs: 2", "- seed: 42",
                     "- mixed_precision_training: none (fp32)", "- accuracy: 0.8123",
                     "| Epoch | Step | Training Loss | Validation Loss | Accuracy |",
                     "| 1 | 200 | 0.61 | 0.48 | 0.79 |", "| 2 | 400 | No log | 0.45 | 0.82 |",
                     "Sorting short English film reviews.", "Trained on critics' snippets only.",
                     "- Transformers 5.", "- Pytorch 2."]:
        assert expected in card, expected
