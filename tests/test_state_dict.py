"""state_dict / load_state_dict: copies, validation of names, shapes and dtypes, strict=False."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import RNN, Linear, Sequential, Tanh

F64 = np.float64


def small_model(rng=None, dtype=F64):
    return Sequential(RNN(3, 4, dtype=dtype, rng=rng), Tanh(), Linear(4, 2, dtype=dtype, rng=rng))


def test_state_dict_holds_copies(rng):
    model = small_model(rng)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    weight = model[2].weight
    before = weight.data.copy()
    state["2.weight"][...] = 42.0
    np.testing.assert_array_equal(weight.data, before)
    weight.data += 1.0
    assert not np.any(state["2.weight"] == weight.data)


def test_load_state_dict_round_trip(rng):
    source, target = small_model(rng), small_model(np.random.default_rng(99))
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    x = rng.standard_normal((2, 3, 3))
    np.testing.assert_array_equal(source(x), target(x))
    target.load_state_dict(source.state_dict())
    target[2].weight.data[...] = 0  # loading copied the values in: the source is untouched
    assert np.any(source[2].weight.data != 0)


def corrupt(state, kind):
    state = dict(state)
    if kind == "missing":
        del state["2.bias"]
    elif kind == "unexpected":
        state["3.weight"] = np.zeros((2, 2))
    elif kind == "shape":
        state["2.weight"] = np.zeros((3, 4))
    elif kind == "dtype":
        state["2.weight"] = state["2.weight"].astype(np.float32)
    elif kind == "type":
        state["2.weight"] = state["2.weight"].tolist()
    return state


@pytest.mark.parametrize(
    "kind, message",
    [
        ("missing", r"missing keys: 2\.bias"),
        ("unexpected", r"unexpected keys: 3\.weight"),
        ("shape", r"size mismatch for 2\.weight: checkpoint \(3, 4\), model \(2, 4\)"),
        ("dtype", r"dtype mismatch for 2\.weight: checkpoint float32, model float64"),
        ("type", r"2\.weight: expected an ndarray, got list"),
    ],
)
def test_load_state_dict_validates_and_leaves_the_model_untouched(rng, kind, message):
    model = small_model(rng)
    before = model.state_dict()
    new_values = {name: value + 1.0 for name, value in before.items()}
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(corrupt(new_values, kind))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_load_state_dict_non_strict_reports_missing_and_unexpected(rng):
    model = small_model(rng)
    state = corrupt(corrupt(model.state_dict(), "missing"), "unexpected")
    state["0.cell.weight_hh"] = np.full((4, 4), 0.5)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["2.bias"]
    assert result.unexpected_keys == ["3.weight"]
    np.testing.assert_array_equal(model[0].cell.weight_hh.data, 0.5)
    with pytest.raises(ValueError, match="size mismatch"):  # shapes are checked even then
        model.load_state_dict(corrupt(model.state_dict(), "shape"), strict=False)
