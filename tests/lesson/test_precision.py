"""Every precision path, forced on any machine: detection both ways, the override, real Trainer steps
in fp32 and in bf16 on this CPU, and the CUDA and MPS choices with only the device queries mocked."""

from types import SimpleNamespace

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

from coursekit.lesson import precision
from coursekit.lesson.mistakes import explain
from coursekit.lesson.precision import PrecisionError, check_precision, choose_precision, precision_args


@pytest.fixture(autouse=True)
def fresh_detection(monkeypatch):
    monkeypatch.delenv(precision.ENV_VAR, raising=False)
    monkeypatch.delenv(precision.DEVICE_ENV_VAR, raising=False)  # `make test` sets it
    precision.cpu_bf16_support.cache_clear()
    yield
    precision.cpu_bf16_support.cache_clear()


def cpu_reports(monkeypatch, reported, probe_speedup=None):
    monkeypatch.setattr(precision, "_cpu_reports_bf16", lambda: reported)
    if probe_speedup is not None:
        monkeypatch.setattr(precision, "_bf16_probe_speedup", lambda: probe_speedup)


def test_cpu_without_bf16_instructions_trains_in_fp32(monkeypatch):
    cpu_reports(monkeypatch, False)
    assert precision_args("cpu") == {"bf16": False, "fp16": False, "use_cpu": True}
    assert "fp32" in precision.describe_precision("cpu") and "no AMX" in precision.describe_precision("cpu")


def test_cpu_with_amx_or_avx512_bf16_trains_in_bf16_with_use_cpu(monkeypatch):
    cpu_reports(monkeypatch, True)
    assert precision_args("cpu") == {"bf16": True, "fp16": False, "use_cpu": True}
    assert "bf16 mixed precision" in precision.describe_precision("cpu")


@pytest.mark.parametrize("speedup,chosen", [(3.0, "bf16"), (1.1, "fp32"), (0.01, "fp32")])
def test_a_cpu_torch_cannot_query_is_measured(monkeypatch, speedup, chosen):
    cpu_reports(monkeypatch, None, probe_speedup=speedup)
    choice = choose_precision("cpu")
    assert choice.precision == chosen and "bf16 matmul ran" in choice.reason


def test_the_probe_times_an_fp32_matmul_against_a_bf16_one(monkeypatch):
    # A fake clock that each matmul advances by a cost of its dtype: the probe must report fp32's best time
    # over bf16's best time, measured on the two dtypes in turn.
    clock, seen = [0.0], []
    costs = {torch.float32: iter([3.0, 2.0, 2.5]), torch.bfloat16: iter([1.0, 0.5, 0.8])}
    real_matmul = torch.Tensor.__matmul__

    def timed_matmul(a, b):
        seen.append((a.dtype, b.dtype, tuple(a.shape)))
        clock[0] += next(costs[a.dtype])
        return real_matmul(a, b)

    monkeypatch.setattr(torch.Tensor, "__matmul__", timed_matmul)
    monkeypatch.setattr(precision, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    assert precision._bf16_probe_speedup(size=8, repeats=3) == pytest.approx(2.0 / 0.5)
    assert [(a, b) for a, b, _ in seen] == [(torch.float32, torch.float32), (torch.bfloat16, torch.bfloat16)] * 3
    assert {shape for *_, shape in seen} == {(8, 8)}


@pytest.mark.parametrize("machine,amx,avx512_bf16,reported", [
    ("x86_64", False, True, True), ("x86_64", True, False, True), ("AMD64", False, False, False),
    ("aarch64", True, True, None),  # the query is about x86 instructions: elsewhere the probe decides
])
def test_the_detection_reads_torchs_amx_and_avx512_bf16_queries(monkeypatch, machine, amx, avx512_bf16, reported):
    monkeypatch.setattr(precision.platform, "machine", lambda: machine)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    assert precision._cpu_reports_bf16() is reported


def test_a_torch_without_the_queries_leaves_it_to_the_probe(monkeypatch):
    monkeypatch.setattr(precision.platform, "machine", lambda: "x86_64")
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)
    assert precision._cpu_reports_bf16() is None


def test_the_detection_on_this_machine_is_what_torch_reports():
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64") or not hasattr(torch.cpu, "_is_amx_tile_supported"):
        pytest.skip("torch cannot query bf16 instructions on this CPU")
    reports = torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()
    assert precision._cpu_reports_bf16() is bool(reports)
    assert precision.cpu_bf16_support()[0] is bool(reports)


@pytest.mark.parametrize("native,chosen", [(True, "bf16"), (False, "fp16")])
def test_cuda_gets_bf16_where_native_else_fp16(monkeypatch, native, chosen):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: native)
    assert precision.training_device() == "cuda"
    flags = precision_args()
    assert flags == {"bf16": chosen == "bf16", "fp16": chosen == "fp16"}  # no use_cpu on a GPU


def test_mps_trains_in_fp32_unless_asked(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert precision.training_device() == "mps"
    assert precision_args() == {"bf16": False, "fp16": False}
    monkeypatch.setenv(precision.ENV_VAR, "fp16")
    monkeypatch.setattr(torch, "__version__", "2.4.1")
    with pytest.raises(PrecisionError, match="PyTorch >= 2.5"):
        precision_args()
    monkeypatch.setattr(torch, "__version__", "2.6.0")
    assert precision_args() == {"bf16": False, "fp16": True}


@pytest.mark.parametrize("value,device,flags", [
    ("fp32", "cpu", {"bf16": False, "fp16": False, "use_cpu": True}),
    ("bf16", "cpu", {"bf16": True, "fp16": False, "use_cpu": True}),
    ("FP32", "cuda", {"bf16": False, "fp16": False}),
    ("fp16", "cuda", {"bf16": False, "fp16": True}),
])
def test_the_override_wins(monkeypatch, value, device, flags):
    cpu_reports(monkeypatch, True)
    monkeypatch.setattr(precision, "_cuda_bf16_native", lambda: True)
    monkeypatch.setenv(precision.ENV_VAR, value)
    assert precision_args(device) == flags
    assert precision.ENV_VAR in choose_precision(device).reason


@pytest.mark.parametrize("value,device,message", [
    ("fp16", "cpu", "needs a CUDA GPU"),
    ("bf16", "cuda", "no native bf16"),
    ("half", "cpu", "auto, fp32, bf16, fp16"),
])
def test_an_override_the_hardware_cannot_run_is_a_clear_error(monkeypatch, value, device, message):
    monkeypatch.setattr(precision, "_cuda_bf16_native", lambda: False)
    monkeypatch.setenv(precision.ENV_VAR, value)
    with pytest.raises(PrecisionError, match=message):
        precision_args(device)


def test_forced_bf16_on_a_cpu_without_it_says_it_is_emulated(monkeypatch):
    cpu_reports(monkeypatch, False)
    monkeypatch.setenv(precision.ENV_VAR, "bf16")
    choice = choose_precision("cpu")
    assert choice.precision == "bf16" and "emulated" in choice.reason


def tiny_bert():
    torch.manual_seed(0)
    config = BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32, num_labels=2)
    return BertForSequenceClassification(config)


def train_a_few_steps(tmp_path, flags, steps=3):
    """Real Trainer steps with the flags the course passes; returns the dtype inside, losses and weight change."""
    import datasets

    rng = torch.Generator().manual_seed(0)
    data = datasets.Dataset.from_dict({"input_ids": torch.randint(1, 64, (24, 12), generator=rng).tolist(),
                                       "label": torch.randint(0, 2, (24,), generator=rng).tolist()})
    model = tiny_bert()
    seen = []
    model.bert.encoder.layer[0].attention.self.query.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    args = TrainingArguments(str(tmp_path / "out"), max_steps=steps, per_device_train_batch_size=8, learning_rate=1e-3,
                             logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True, **flags)
    trainer = Trainer(model=model, args=args, train_dataset=data)
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    change = (torch.cat([p.detach().flatten() for p in model.parameters()]) - before).norm().item()
    return seen[0], losses, change


@pytest.mark.parametrize("reported,dtype", [(False, torch.float32), (True, torch.bfloat16)])
def test_real_trainer_steps_in_the_precision_chosen(monkeypatch, tmp_path, reported, dtype):
    # bf16 is emulated (slow) on CPUs without it, but a few steps of a tiny model prove the path works
    cpu_reports(monkeypatch, reported)
    flags = precision_args("cpu")
    inside, losses, change = train_a_few_steps(tmp_path, flags)
    assert inside == dtype
    assert len(losses) == 3 and all(loss == loss and loss < 10 for loss in losses)  # finite, sensible
    assert change > 0


def test_the_bf16_hint_names_the_fix_that_works(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("a GPU may support bf16 without use_cpu")
    with pytest.raises(ValueError, match="doesn't support bf16") as error:
        TrainingArguments(str(tmp_path), bf16=True, report_to="none")
    hint = explain(error.value)
    assert "use_cpu=True" in hint and "precision_args" in hint
    TrainingArguments(str(tmp_path), bf16=True, use_cpu=True, report_to="none")  # the fix it names


def test_check_precision_refuses_slow_bf16_unless_forced(monkeypatch, tmp_path):
    cpu_reports(monkeypatch, False)
    args = TrainingArguments(str(tmp_path), bf16=True, use_cpu=True, report_to="none")
    with pytest.raises(PrecisionError, match="slower than fp32"):
        check_precision(args)
    monkeypatch.setenv(precision.ENV_VAR, "bf16")
    check_precision(args)


def test_the_device_can_be_chosen_and_a_missing_one_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert precision.training_device() == "cuda"
    monkeypatch.setenv(precision.DEVICE_ENV_VAR, "CPU")  # make test: the CPU, even where a GPU is
    assert precision.training_device() == "cpu"
    for reported in (True, False):  # the CPU's own choice follows, whatever the machine running this test
        cpu_reports(monkeypatch, reported)
        precision.cpu_bf16_support.cache_clear()
        assert precision_args() == {"bf16": reported, "fp16": False, "use_cpu": True}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(precision.DEVICE_ENV_VAR, "cuda")
    with pytest.raises(PrecisionError, match="no cuda device"):
        precision.training_device()
    monkeypatch.setenv(precision.DEVICE_ENV_VAR, "tpu")
    with pytest.raises(PrecisionError, match="auto, cpu, cuda, mps"):
        precision.training_device()
