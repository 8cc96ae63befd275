"""Checkpoints: exact resume, file layout, atomic writes, and clear all-or-nothing errors."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest

import tinyrnn
from tinyrnn.optim import lr_scheduler
from tinyrnn.serialization import load, save

INPUT, HIDDEN, OUTPUT, BATCH, TIME, STEPS = 3, 8, 2, 4, 5, 10


def build(seed: int, dtype: Any = np.float64, hidden: int = HIDDEN, **rnn: Any) -> Any:
    rng = np.random.default_rng(seed)
    rnn.setdefault("stateful", True)
    return tinyrnn.Sequential(
        tinyrnn.RNN(INPUT, hidden, dtype=dtype, rng=rng, **rnn),
        tinyrnn.Linear(hidden, OUTPUT, dtype=dtype, rng=rng),
    )


OPTIMIZERS = {
    "sgd-momentum": lambda params: tinyrnn.SGD(params, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda params: tinyrnn.Adam(params, lr=0.01, weight_decay=1e-3),
}
SCHEDULERS = {
    "none": lambda optimizer: None,
    "steplr": lambda optimizer: lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5),
    "exponentiallr": lambda optimizer: lr_scheduler.ExponentialLR(optimizer, gamma=0.9),
}


def setup(seed: int, optimizer: str, scheduler: str, dtype: Any = np.float64) -> tuple[Any, ...]:
    model = build(seed, dtype)
    opt = OPTIMIZERS[optimizer](model.parameters())
    return model, opt, SCHEDULERS[scheduler](opt), np.random.default_rng(seed + 1000)


def train(model: Any, opt: Any, sched: Any, rng: Any, steps: range, dtype: Any) -> list[float]:
    """Truncated BPTT over fixed chunks; the generator adds input noise, so its state matters."""
    data = np.random.default_rng(0).standard_normal((STEPS, BATCH, TIME, INPUT)).astype(dtype)
    targets = np.random.default_rng(1).standard_normal((STEPS, BATCH, TIME, OUTPUT)).astype(dtype)
    loss_fn, losses = tinyrnn.MSELoss(), []
    for step in steps:
        noisy = data[step] + (0.1 * rng.standard_normal(data[step].shape)).astype(dtype)
        losses.append(loss_fn(model(noisy), targets[step]))
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
        if sched is not None:
            sched.step()
    return losses


def snapshot(model: Any, opt: Any = None, sched: Any = None, rng: Any = None) -> dict[str, Any]:
    """Everything a load may change, as plain values (compared with `same`)."""
    return {
        "model": model.state_dict(),
        "hidden": [getattr(m, "h_n", None) for m in model.modules()],
        "optimizer": opt.state_dict() if opt is not None else None,
        "scheduler": sched.state_dict() if sched is not None else None,
        "rng": rng.bit_generator.state if rng is not None else None,
    }


def same(a: Any, b: Any) -> bool:
    """Deep, bit-exact equality through dicts, lists, tuples and arrays (dtypes included)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scheduler", list(SCHEDULERS))
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_resume_is_bit_identical(tmp_path, optimizer, scheduler, dtype):
    half = STEPS // 2
    reference = setup(1, optimizer, scheduler, dtype)
    reference_losses = train(*reference, range(STEPS), dtype)

    first = setup(1, optimizer, scheduler, dtype)
    losses = train(*first, range(half), dtype)
    save(tmp_path / "run.npz", *first[:2], scheduler=first[2], rng=first[3], step=half)

    resumed = setup(2, optimizer, scheduler, dtype)  # other weights, empty optimizer state
    assert not same(resumed[0].state_dict(), first[0].state_dict())
    meta = load(tmp_path / "run.npz", *resumed[:2], scheduler=resumed[2], rng=resumed[3])
    assert meta == {"step": half, "extra": None}
    assert same(snapshot(*resumed), snapshot(*first))
    losses += train(*resumed, range(meta["step"], STEPS), dtype)

    assert losses == reference_losses
    assert same(snapshot(*resumed), snapshot(*reference))


def test_resume_depends_on_the_carried_hidden_state(tmp_path):
    # Control: the test above can fail. Dropping the restored h_n changes the continuation.
    reference = setup(1, "adam", "none")
    train(*reference, range(STEPS), np.float64)
    first = setup(1, "adam", "none")
    train(*first, range(5), np.float64)
    save(tmp_path / "run.npz", first[0], first[1], rng=first[3])
    resumed = setup(2, "adam", "none")
    load(tmp_path / "run.npz", resumed[0], resumed[1], rng=resumed[3])
    resumed[0][0].reset_state()
    train(*resumed, range(5, STEPS), np.float64)
    assert not same(resumed[0].state_dict(), reference[0].state_dict())


def test_file_layout_is_a_plain_npz(tmp_path):
    model, opt, sched, rng = setup(1, "adam", "steplr")
    train(model, opt, sched, rng, range(2), np.float64)
    save(tmp_path / "run.npz", model, opt, scheduler=sched, rng=rng, step=2, extra={"epoch": 1})
    with np.load(tmp_path / "run.npz", allow_pickle=False) as npz:
        names = set(npz.files)
        metadata = json.loads(npz["metadata"].tobytes())
        assert npz["metadata"].dtype == np.uint8
        assert all(npz[name].dtype != object for name in names)
        for name, value in model.state_dict().items():
            assert same(npz[f"model/{name}"], value)
        assert same(npz["optimizer/state/0/exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
        assert same(npz["hidden/0"], model[0].h_n)
    params = [name for name, _ in model.named_parameters()]
    expected = {"metadata", "hidden/0"} | {f"model/{name}" for name in params}
    expected |= {f"optimizer/state/{i}/{f}" for i in range(6) for f in ("exp_avg", "exp_avg_sq")}
    assert names == expected
    assert metadata["format"] == "tinyrnn-checkpoint" and metadata["version"] == 1
    assert metadata["classes"] == {"optimizer": "Adam", "scheduler": "StepLR"}
    assert metadata["contents"]["step"] == 2 and metadata["contents"]["extra"] == {"epoch": 1}


def test_writes_exactly_the_given_path(tmp_path):
    model = build(1)
    save(str(tmp_path / "checkpoint"), model)
    save(tmp_path / "other.ckpt", model)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "other.ckpt"]
    load(tmp_path / "checkpoint", build(2))


def test_extra_values_and_generators_round_trip(tmp_path):
    extra = {
        "epoch": 3,
        "history": [0.5, float("nan"), -0.0, 1e300],
        "pair": (1, ("a", None)),
        "by_epoch": {1: True, 2: False},
        "scalar32": np.float32(1.25),
        "counts": np.arange(4, dtype=np.int64),
        "big": 2**100,
    }
    model, rng = build(1), np.random.Generator(np.random.MT19937(5))
    rng.standard_normal(3)
    save(tmp_path / "a.npz", model, rng=rng, extra=extra)
    other = np.random.Generator(np.random.MT19937(6))
    meta = load(tmp_path / "a.npz", build(2), rng=other)
    assert same(meta["extra"], extra) and meta["step"] is None
    assert same(other.bit_generator.state, rng.bit_generator.state)
    assert other.standard_normal() == rng.standard_normal()


def test_lstm_tuple_state_round_trips(tmp_path):
    from tinyrnn.layers.gated import LSTM

    def lstm(seed: int) -> Any:
        rng = np.random.default_rng(seed)
        return tinyrnn.Sequential(LSTM(INPUT, HIDDEN, stateful=True, dtype=np.float64, rng=rng))

    model = lstm(1)
    model(np.ones((BATCH, TIME, INPUT)))
    save(tmp_path / "a.npz", model)
    other = lstm(2)
    load(tmp_path / "a.npz", other)
    assert isinstance(other[0].h_n, tuple) and same(other[0].h_n, model[0].h_n)
    assert other[0].h_n[0] is not model[0].h_n[0]


def test_savez_compressed_repack_loads(tmp_path):
    model = build(1)
    model(np.ones((BATCH, TIME, INPUT)))
    save(tmp_path / "a.npz", model)
    with np.load(tmp_path / "a.npz") as npz:
        members = {name: npz[name] for name in npz.files}
    np.savez_compressed(tmp_path / "b.npz", **members)
    other = build(2)
    load(tmp_path / "b.npz", other)
    assert same(snapshot(other), snapshot(model))


# ----------------------------------------------------------------- mismatches: nothing changes
@pytest.fixture
def saved(tmp_path):
    """A checkpoint of a trained stateful model with Adam, StepLR and a generator."""
    objects = setup(1, "adam", "steplr")
    train(*objects, range(3), np.float64)
    save(tmp_path / "run.npz", *objects[:2], scheduler=objects[2], rng=objects[3], step=3)
    return tmp_path / "run.npz"


def fails_unchanged(path: Any, match: str, model: Any, opt: Any = None, **kwargs: Any) -> str:
    """load must raise ValueError matching `match` and leave every object as it was."""
    model(np.ones((BATCH, TIME, INPUT), dtype=model[0].cell.weight_ih.dtype))  # some h_n
    before = snapshot(model, opt, kwargs.get("scheduler"), kwargs.get("rng"))
    with pytest.raises(ValueError, match=match) as error:
        load(path, model, opt, **kwargs)
    assert same(snapshot(model, opt, kwargs.get("scheduler"), kwargs.get("rng")), before)
    return str(error.value)


def test_size_mismatch_lists_every_problem(saved):
    model = build(2, hidden=16)
    message = fails_unchanged(saved, "size mismatch", model, tinyrnn.Adam(model.parameters()))
    assert "size mismatch for 0.cell.weight_ih: checkpoint (8, 3), model (16, 3)" in message
    assert "size mismatch for 0.cell.weight_hh: checkpoint (8, 8), model (16, 16)" in message
    assert "size mismatch for 1.weight: checkpoint (2, 8), model (2, 16)" in message
    assert "hidden state of 0 does not fit" in message


def test_missing_and_unexpected_keys(saved):
    message = fails_unchanged(saved, "unexpected keys", build(2, bias=False))
    assert "0.cell.bias_ih, 0.cell.bias_hh" in message
    bigger = build(2)
    bigger.append(tinyrnn.Linear(OUTPUT, OUTPUT))
    assert "missing keys: 2.weight, 2.bias" in fails_unchanged(saved, "missing keys", bigger)


def test_strict_false_loads_the_common_keys(saved):
    full, model = build(3), build(2, bias=False)
    load(saved, full)
    load(saved, model, strict=False)
    for name, value in model.state_dict().items():
        assert same(value, full.state_dict()[name])
    assert not same(value, build(2, bias=False).state_dict()[name])


def test_dtype_mismatch(saved):
    fails_unchanged(saved, "dtype mismatch for 0.cell.weight_ih: checkpoint float64, model float32",
                    build(2, dtype=np.float32))  # fmt: skip


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: tinyrnn.SGD(p, lr=0.1, momentum=0.9), "holds a Adam state, not SGD"),
        (lambda p: tinyrnn.Adam(list(p)[:3]), "6 parameters in the checkpoint, here 3"),
    ],
)
def test_optimizer_mismatch(saved, make, match):
    model = build(2)
    fails_unchanged(saved, match, model, make(model.parameters()))


def test_scheduler_and_rng_mismatches(saved, tmp_path):
    model = build(2)
    opt = tinyrnn.Adam(model.parameters())
    other = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    fails_unchanged(saved, "holds a StepLR state, not ExponentialLR", model, opt, scheduler=other)
    mt = np.random.Generator(np.random.MT19937(1))
    fails_unchanged(saved, "rng: the checkpoint holds a PCG64 state, not MT19937", model, rng=mt)
    save(tmp_path / "bare.npz", build(1))
    fails_unchanged(tmp_path / "bare.npz", "no optimizer state", model, opt)
    fails_unchanged(tmp_path / "bare.npz", "no scheduler state", model, scheduler=other)
    fails_unchanged(tmp_path / "bare.npz", "rng: the checkpoint holds no rng state", model, rng=mt)


def test_hidden_state_of_stateful_modules_must_match(saved, tmp_path):
    fails_unchanged(saved, "hidden states for modules that are not stateful: 0",
                    build(2, stateful=False))  # fmt: skip
    save(tmp_path / "plain.npz", build(1, stateful=False))
    fails_unchanged(
        tmp_path / "plain.npz", "missing hidden states of stateful modules: 0", build(2)
    )


def test_a_failure_while_applying_rolls_everything_back(saved, monkeypatch):
    model, opt, sched, rng = setup(2, "adam", "steplr")
    train(model, opt, sched, rng, range(2), np.float64)
    before = snapshot(model, opt, sched, rng)

    original = type(sched).load_state_dict

    def broken(self: Any, state: Any) -> None:  # fails after the model and the optimizer loaded
        if self is sched:  # not the copy the state is first tried on
            raise RuntimeError("disk on fire")
        original(self, state)

    monkeypatch.setattr(type(sched), "load_state_dict", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load(saved, model, opt, scheduler=sched, rng=rng)
    assert same(snapshot(model, opt, sched, rng), before)


# --------------------------------------------------------------------------- atomic writing
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch, error):
    path = tmp_path / "run.npz"
    save(path, build(1))
    previous = path.read_bytes()
    calls = []
    write_array = np.lib.format.write_array

    def failing(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise error
        write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(type(error)):
        save(path, build(2))
    assert len(calls) == 3
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == ["run.npz"]


def test_unsavable_values_write_nothing(tmp_path):
    with pytest.raises(TypeError, match="'extra/f': unsupported type"):
        save(tmp_path / "a.npz", build(1), extra={"f": print})
    with pytest.raises(TypeError, match="not numeric"):
        save(tmp_path / "a.npz", build(1), extra={"o": np.array([None])})
    with pytest.raises(TypeError, match="step must be an int"):
        save(tmp_path / "a.npz", build(1), step=1.5)
    with pytest.raises(TypeError, match="rng must be"):
        save(tmp_path / "a.npz", build(1), rng=np.random.RandomState(0))
    assert os.listdir(tmp_path) == []


def test_a_stateful_model_at_the_root_and_list_hyperparameters(tmp_path):
    model = tinyrnn.RNN(INPUT, HIDDEN, stateful=True, dtype=np.float64)
    model(np.ones((BATCH, TIME, INPUT)))
    opt = tinyrnn.Adam(model.parameters(), betas=(0.8, 0.9))
    save(tmp_path / "a.npz", model, opt)
    other = tinyrnn.RNN(INPUT, HIDDEN, stateful=True, dtype=np.float64)
    other_opt = tinyrnn.Adam(other.parameters(), betas=[0.5, 0.6])  # a list: still an Adam
    load(tmp_path / "a.npz", other, other_opt)
    assert same(other.h_n, model.h_n) and same(snapshot(other), snapshot(model))
    assert tuple(other_opt.param_groups[0]["betas"]) == (0.8, 0.9)
