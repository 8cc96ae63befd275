"""Optimizer state_dict: plain values, bit-identical resume, and loads that fail without effect."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from tinyrnn import Parameter
from tinyrnn.optim import SGD, Adagrad, Adam, RMSprop

CONFIGS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.01)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (RMSprop, dict(lr=0.01, weight_decay=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.9, centered=True)),
]
SHAPES = ((4, 3), (5,), (2, 2, 2))


def _make(cls, options, values):
    params = [Parameter(v) for v in values]
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": options["lr"] / 2}]
    return params, cls(groups, **options)


def _train(params, optimizer, grads):
    for step_grads in grads:
        for param, grad in zip(params, step_grads, strict=True):
            param.grad[...] = grad
        optimizer.step()


def _as_if_from_a_file(state_dict):
    """What a .npz/JSON round trip may hand back: str keys, lists, NumPy scalars and 0-d arrays."""
    state = {
        str(i): {k: (np.asarray(v) if k == "step" else v) for k, v in entry.items()}
        for i, entry in state_dict["state"].items()
    }
    groups = [
        {k: (list(v) if isinstance(v, tuple) else np.float64(v) if k == "lr" else v)
         for k, v in group.items()}
        for group in state_dict["param_groups"]
    ]  # fmt: skip
    return {"state": state, "param_groups": groups}


def _same_state(a, b):
    assert a["param_groups"] == b["param_groups"]
    assert a["state"].keys() == b["state"].keys()
    for i in a["state"]:
        assert a["state"][i].keys() == b["state"][i].keys()
        for key, value in a["state"][i].items():
            np.testing.assert_array_equal(value, b["state"][i][key])


@pytest.mark.parametrize("from_file", [False, True])
@pytest.mark.parametrize("cls, options", CONFIGS)
def test_resume_is_bit_identical(rng, cls, options, from_file):
    values = [rng.standard_normal(shape) for shape in SHAPES]
    grads = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(20)]
    params, optimizer = _make(cls, options, values)
    _train(params, optimizer, grads)  # never stopped

    first, first_optimizer = _make(cls, options, values)
    _train(first, first_optimizer, grads[:8])
    saved_values, saved = [p.data.copy() for p in first], first_optimizer.state_dict()
    _train(first, first_optimizer, grads[8:9])  # the saved copy must not follow later steps

    second, second_optimizer = _make(cls, {**options, "lr": 1.0}, saved_values)  # fresh objects
    second_optimizer.load_state_dict(_as_if_from_a_file(saved) if from_file else saved)
    _same_state(second_optimizer.state_dict(), saved)
    _train(second, second_optimizer, grads[8:])
    for resumed, straight in zip(second, params, strict=True):
        np.testing.assert_array_equal(resumed.data, straight.data)


@pytest.mark.parametrize("cls, options", CONFIGS)
def test_state_dict_holds_plain_values_and_copies(rng, cls, options):
    params, optimizer = _make(cls, options, [rng.standard_normal(s) for s in SHAPES])
    _train(params, optimizer, [[np.ones(s) for s in SHAPES]] * 2)
    state_dict = optimizer.state_dict()
    assert set(state_dict) == {"state", "param_groups"}
    assert [g["params"] for g in state_dict["param_groups"]] == [[0, 1], [2]]
    json.dumps(state_dict["param_groups"])  # numbers, bools, tuples and lists only
    for index, entry in state_dict["state"].items():
        assert type(index) is int
        for key, value in entry.items():
            if key == "step":
                assert type(value) is int and value == 2
            else:
                assert type(value) is np.ndarray and value.shape == params[index].shape
                value[...] = np.nan  # a copy: the optimizer is unaffected
    assert all(np.isfinite(v).all() for s in optimizer.state.values() for v in s.values())


def _corruptions():
    """(what, edit of an Adam/centered-RMSprop state_dict, error type)."""

    def edit(path, value):
        def apply(sd):
            target = sd
            for key in path[:-1]:
                target = target[key]
            if value is KeyError:
                del target[path[-1]]
            else:
                target[path[-1]] = value(target[path[-1]]) if callable(value) else value

        return apply

    return [
        ("empty dict", lambda sd: sd.clear(), ValueError),
        ("extra top-level key", edit(["extra"], 1), ValueError),
        (
            "one group too many",
            lambda sd: sd["param_groups"].append(sd["param_groups"][0]),
            ValueError,
        ),
        ("a parameter too few", edit(["param_groups", 0, "params"], lambda p: p[:1]), ValueError),
        ("index listed twice", edit(["param_groups", 1, "params"], [0]), ValueError),
        ("unknown hyperparameter", edit(["param_groups", 0, "foo"], 1.0), ValueError),
        ("missing hyperparameter", edit(["param_groups", 1, "eps"], KeyError), ValueError),
        ("negative lr", edit(["param_groups", 1, "lr"], -0.1), ValueError),
        ("lr as text", edit(["param_groups", 1, "lr"], "0.1"), TypeError),
        ("state shape", edit(["state", 2, "square_avg"], lambda a: a[:1]), ValueError),
        ("complex state", edit(["state", 2, "square_avg"], lambda a: a + 0j), TypeError),
        ("state as a list", edit(["state", 2, "square_avg"], lambda a: a.tolist()), TypeError),
        ("unknown state entry", edit(["state", 0, "exp_avg"], np.zeros((4, 3))), ValueError),
        ("missing state entry", edit(["state", 1, "grad_avg"], KeyError), ValueError),
        ("fractional step", edit(["state", 2, "step"], 1.5), ValueError),
        ("negative step", edit(["state", 2, "step"], -1), ValueError),
        ("infinite step", edit(["state", 2, "step"], float("inf")), ValueError),
        ("unknown parameter", edit(["state", 7], {}), ValueError),
        ("bad index", edit(["state", "x"], {}), TypeError),
    ]


@pytest.mark.parametrize("what, corrupt, error", _corruptions(), ids=[c[0] for c in _corruptions()])
def test_failed_load_changes_nothing(rng, what, corrupt, error):
    values = [rng.standard_normal(s) for s in SHAPES]
    options = dict(lr=0.01, momentum=0.9, centered=True)
    params, optimizer = _make(RMSprop, options, values)
    twin_params, twin = _make(RMSprop, options, values)
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(6)]
    _train(params, optimizer, grads[:3])
    _train(twin_params, twin, grads[:3])
    before = copy.deepcopy(optimizer.state_dict())
    bad = copy.deepcopy(before)
    corrupt(bad)
    with pytest.raises(error, match="RMSprop.load_state_dict"):
        optimizer.load_state_dict(bad)
    _same_state(optimizer.state_dict(), before)
    _train(params, optimizer, grads[3:])  # and it carries on exactly like an untouched twin
    _train(twin_params, twin, grads[3:])
    for param, twin_param in zip(params, twin_params, strict=True):
        np.testing.assert_array_equal(param.data, twin_param.data)


def test_load_converts_dtypes_and_keeps_initial_lr(rng):
    values = [rng.standard_normal(s) for s in SHAPES]
    params, optimizer = _make(Adam, dict(lr=0.01), values)
    _train(params, optimizer, [[np.ones(s) for s in SHAPES]])
    saved = optimizer.state_dict()
    for entry in saved["state"].values():
        entry["exp_avg"] = entry["exp_avg"].astype(np.float32)
    other = Adam([Parameter(v) for v in values], lr=0.5)  # one group of three
    other.add_param_group({"params": [Parameter(values[0])]})
    with pytest.raises(
        ValueError, match=r"param_groups\[0\]: 2 parameters in the checkpoint, here 3"
    ):
        other.load_state_dict(saved)
    with pytest.raises(TypeError, match="expected a dict, got list"):
        other.load_state_dict([])  # type: ignore[arg-type]
    params, optimizer = _make(Adam, dict(lr=0.3), [v.astype(np.float32) for v in values])
    optimizer.param_groups[0]["initial_lr"] = 0.3
    optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0]["lr"] == 0.01  # the checkpoint's
    assert optimizer.param_groups[0]["initial_lr"] == 0.3  # kept: the checkpoint had none
    for state in optimizer.state.values():
        assert state["exp_avg"].dtype == state["exp_avg_sq"].dtype == np.float32
