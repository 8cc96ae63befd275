"""Bidirectional(merge_mode=...): Keras' "concat", "sum", "mul", "ave" and None (a pair)."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import check_against_finite_differences

from tinyrnn import GRU, LSTM, RNN, Bidirectional

F64 = np.float64
MODES = ["concat", "sum", "mul", "ave", None]
# Keras' definitions, on the two directions' outputs (the backward one re-reversed in time).
REFERENCE = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
    None: lambda a, b: (a, b),
}


def pair_of_layers(kind, rng, merge_mode, return_sequences=True):
    """A Bidirectional with `merge_mode` and a concat one with the same weights."""
    layer_type = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind]

    def make():
        return layer_type(3, 4, dtype=F64, rng=rng, return_sequences=return_sequences)

    merged = Bidirectional(make(), backward_layer=make(), merge_mode=merge_mode)
    concat = Bidirectional(make(), backward_layer=make())
    concat.load_state_dict(merged.state_dict())
    return merged, concat


@pytest.mark.parametrize("merge_mode", MODES)
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_merged_output_is_keras_formula(rng, merge_mode, kind, return_sequences):
    merged, concat = pair_of_layers(kind, rng, merge_mode, return_sequences)
    x = rng.standard_normal((2, 5, 3))
    both = concat(x)
    want = REFERENCE[merge_mode](both[..., :4], both[..., 4:])
    got = merged(x)
    if merge_mode is None:
        want, got = np.concatenate(want, axis=-1), np.concatenate(got, axis=-1)
    np.testing.assert_allclose(got, want, atol=1e-15)
    assert merged.hidden_size == (8 if merge_mode == "concat" else 4)


@pytest.mark.parametrize("merge_mode", MODES)
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck(rng, record_max, merge_mode, kind, return_sequences):
    merged, _ = pair_of_layers(kind, rng, merge_mode, return_sequences)
    x = rng.standard_normal((2, 4, 3))
    shape = (2, 4, 4) if return_sequences else (2, 4)
    if merge_mode == "concat":
        shape = shape[:-1] + (8,)
    weights_out = rng.standard_normal(shape)
    if merge_mode is None:
        weights_out = (weights_out, rng.standard_normal(shape))
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    error = check_against_finite_differences(merged, x, None, None, weights_out, None, mask=mask)
    record_max("merge_mode gradcheck (Bidirectional), max abs error", error)


def test_merge_mode_none_takes_a_gradient_pair_with_none(rng):
    merged, concat = pair_of_layers("GRU", rng, None)
    x, g = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    merged(x)
    dx = merged.backward((None, g))
    concat(x)
    want = concat.backward(np.concatenate([np.zeros_like(g), g], axis=-1))
    np.testing.assert_allclose(dx, want, atol=1e-15)
    merged(x)
    with pytest.raises(TypeError, match="merge_mode=None.*must be a pair"):
        merged.backward(g)


def test_bad_merge_modes(rng):
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(RNN(3, 4), merge_mode="max")
    with pytest.raises(ValueError, match="merge_mode='sum' needs equal hidden sizes, got 4"):
        Bidirectional(RNN(3, 4), backward_layer=RNN(3, 5), merge_mode="sum")
    assert Bidirectional(RNN(3, 4), backward_layer=RNN(3, 5)).hidden_size == 9


def test_only_concat_has_a_torch_twin_and_summary_shapes(rng):
    pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    with pytest.raises(ValueError, match="to_torch_module"):
        to_torch_module(Bidirectional(RNN(3, 4), merge_mode="sum"))
    summary = Bidirectional(RNN(3, 4), merge_mode="ave").summary((None, 5, 3))
    assert "5, 4)" in str(summary) and "5, 8)" not in str(summary)
