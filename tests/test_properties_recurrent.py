"""Property-based tests (hypothesis): RNN, LSTM and GRU over random shapes, options and values.

Batch and time start at 1 here; batch 0 and time 0 are errors (see tests/test_input_errors.py
and docs/behaviour.md). Properties: output shapes and dtypes, padding conventions of `lengths`,
no_grad forwards equal to recorded ones, stateful chunks equal to one long run, and the fast
(fused) path agreeing with the general (cell by cell) path on every output and gradient.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from step_cell import step_twin, uses_fused_kernels

import tinyrnn
from tinyrnn import GRU, LSTM, RNN

F32, F64 = np.float32, np.float64
KINDS = ["RNN-tanh", "RNN-relu", "LSTM", "GRU"]


def build(kind, n_in, hidden, dtype, seed, **options):
    rng = np.random.default_rng(seed)
    if kind.startswith("RNN"):
        return RNN(n_in, hidden, nonlinearity=kind[4:], dtype=dtype, rng=rng, **options)
    return {"LSTM": LSTM, "GRU": GRU}[kind](n_in, hidden, dtype=dtype, rng=rng, **options)


def general_twin(layer):
    """The same weights and options on the step-by-step path (one cell call per step)."""
    twin = RNN(cell=step_twin(layer.cell), return_sequences=layer.return_sequences)
    assert uses_fused_kernels(layer) and not uses_fused_kernels(twin)
    return twin


def random_state(kind, rng, batch, hidden, dtype=F64):
    if kind == "LSTM":
        return tuple(rng.standard_normal((batch, hidden)).astype(dtype) for _ in range(2))
    return rng.standard_normal((batch, hidden)).astype(dtype)


def parts(state):
    return state if isinstance(state, tuple) else (state,)


configs = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "batch": st.integers(1, 4),
        "steps": st.integers(1, 6),
        "n_in": st.integers(1, 4),
        "hidden": st.integers(1, 4),
        "bias": st.booleans(),
        "return_sequences": st.booleans(),
        "with_h0": st.booleans(),
        "with_lengths": st.booleans(),
        "seed": st.integers(0, 2**16),
    }
)


def draw_inputs(config, rng, dtype=F64):
    batch, steps = config["batch"], config["steps"]
    x = rng.standard_normal((batch, steps, config["n_in"])).astype(dtype)
    h0 = random_state(config["kind"], rng, batch, config["hidden"], dtype)
    lengths = rng.integers(1, steps + 1, batch) if config["with_lengths"] else None
    return x, (h0 if config["with_h0"] else None), lengths


@settings(max_examples=200, deadline=None)
@given(configs, st.sampled_from([F32, F64, np.int64]), st.sampled_from([F32, F64]))
def test_shapes_dtypes_padding_and_no_grad(config, input_dtype, dtype):
    c = config
    layer = build(
        c["kind"],
        c["n_in"],
        c["hidden"],
        dtype,
        c["seed"],
        bias=c["bias"],
        return_sequences=c["return_sequences"],
    )
    rng = np.random.default_rng(c["seed"])
    x, h0, lengths = draw_inputs(c, rng, F64)
    x = (x * 3).astype(input_dtype)  # integer inputs convert to the layer's dtype
    y = layer(x, h0, lengths=lengths)
    batch, steps, hidden = c["batch"], c["steps"], c["hidden"]
    expected_shape = (batch, steps, hidden) if c["return_sequences"] else (batch, hidden)
    assert y.shape == expected_shape and y.dtype == dtype
    h_n = parts(layer.h_n)
    assert all(part.shape == (batch, hidden) and part.dtype == dtype for part in h_n)
    last = lengths - 1 if lengths is not None else np.full(batch, steps - 1)
    if c["return_sequences"]:
        np.testing.assert_array_equal(y[np.arange(batch), last], h_n[0])
        if lengths is not None:  # outputs at padded steps are zeros, as pad_packed_sequence
            assert not y[np.arange(steps)[None, :] >= lengths[:, None]].any()
    else:
        np.testing.assert_array_equal(y, h_n[0])
    with tinyrnn.no_grad():
        np.testing.assert_array_equal(layer(x, h0, lengths=lengths), y)
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and dx.dtype == dtype
    assert all(part.dtype == dtype for part in parts(layer.grad_h0))


@settings(max_examples=200, deadline=None)
@given(configs)
def test_fast_path_equals_general_path(config):
    c = config
    fast = build(
        c["kind"],
        c["n_in"],
        c["hidden"],
        F64,
        c["seed"],
        bias=c["bias"],
        return_sequences=c["return_sequences"],
    )
    general = general_twin(fast)
    rng = np.random.default_rng(c["seed"] + 1)
    x, h0, lengths = draw_inputs(c, rng)
    results = []
    for layer in (fast, general):
        y = layer(x, h0, lengths=lengths)
        upstream = np.random.default_rng(c["seed"]).standard_normal(y.shape)
        dx = layer.backward(upstream)
        grads = [p.grad.copy() for p in layer.cell.parameters()]
        results.append([y, *parts(layer.h_n), dx, *parts(layer.grad_h0), *grads])
    for got, expected in zip(*results, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(configs, st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_stateful_chunks_equal_one_long_run(config, chunk_sizes):
    c = config
    steps = sum(chunk_sizes)
    whole = build(c["kind"], c["n_in"], c["hidden"], F64, c["seed"], bias=c["bias"])
    chunked = build(
        c["kind"], c["n_in"], c["hidden"], F64, c["seed"], bias=c["bias"], stateful=True
    )
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((c["batch"], steps, c["n_in"]))
    h0 = random_state(c["kind"], rng, c["batch"], c["hidden"])
    with tinyrnn.no_grad():
        expected = whole(x, h0)
        outputs, start = [], 0
        for index, size in enumerate(chunk_sizes):
            outputs.append(chunked(x[:, start : start + size], h0 if index == 0 else None))
            start += size
    np.testing.assert_allclose(np.concatenate(outputs, axis=1), expected, rtol=1e-12, atol=1e-13)
    for carried, final in zip(parts(chunked.h_n), parts(whole.h_n), strict=True):
        np.testing.assert_allclose(carried, final, rtol=1e-12, atol=1e-13)
