"""Property-based gradient checks (hypothesis): recurrent layers, cells and Bidirectional.

Small random float64 cases (batch, time, sizes from 1 to 3) against central finite differences
via `tinyrnn.gradcheck`: the input, every parameter and the initial state, with and without a
variable-length batch (`lengths`), on the fast path and on the general (cell by cell) path.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from step_cell import step_twin

from tinyrnn import GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, RNNCell, gradcheck

F64 = np.float64
KINDS = ["RNN-tanh", "RNN-relu", "LSTM", "GRU"]


def build(kind, n_in, hidden, rng, **options):
    if kind.startswith("RNN"):
        return RNN(n_in, hidden, nonlinearity=kind[4:], dtype=F64, rng=rng, **options)
    return {"LSTM": LSTM, "GRU": GRU}[kind](n_in, hidden, dtype=F64, rng=rng, **options)


def state(kind, rng, batch, hidden):
    if kind == "LSTM":
        return (rng.standard_normal((batch, hidden)), rng.standard_normal((batch, hidden)))
    return rng.standard_normal((batch, hidden))


small = st.integers(1, 3)
configs = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "batch": small,
        "steps": small,
        "n_in": small,
        "hidden": small,
        "bias": st.booleans(),
        "return_sequences": st.booleans(),
        "with_h0": st.booleans(),
        "with_lengths": st.booleans(),
        "general_path": st.booleans(),
        "seed": st.integers(0, 2**16),
    }
)


def inputs(c, rng):
    x = rng.standard_normal((c["batch"], c["steps"], c["n_in"]))
    h0 = state(c["kind"], rng, c["batch"], c["hidden"]) if c["with_h0"] else None
    lengths = rng.integers(1, c["steps"] + 1, c["batch"]) if c["with_lengths"] else None
    return x, h0, lengths


@settings(max_examples=150, deadline=None)
@given(configs)
def test_sequence_layer_gradcheck(config):
    c = config
    rng = np.random.default_rng(c["seed"])
    options = {"bias": c["bias"], "return_sequences": c["return_sequences"]}
    layer = build(c["kind"], c["n_in"], c["hidden"], rng, **options)
    if c["general_path"]:  # the same cell, run step by step through its own forward/backward
        layer = RNN(cell=step_twin(layer.cell), return_sequences=c["return_sequences"])
    gradcheck(layer, *inputs(c, rng))


CELLS = {"RNN-tanh": RNNCell, "RNN-relu": RNNCell, "LSTM": LSTMCell, "GRU": GRUCell}


@settings(max_examples=120, deadline=None)
@given(configs)
def test_cell_gradcheck(config):
    c = config
    rng = np.random.default_rng(c["seed"])
    extra = {"nonlinearity": c["kind"][4:]} if c["kind"].startswith("RNN") else {}
    cell = CELLS[c["kind"]](c["n_in"], c["hidden"], c["bias"], dtype=F64, rng=rng, **extra)
    x = rng.standard_normal((c["batch"], c["n_in"]))
    h = state(c["kind"], rng, c["batch"], c["hidden"]) if c["with_h0"] else None
    gradcheck(cell, x, h)


@settings(max_examples=60, deadline=None)
@given(configs, st.booleans())
def test_bidirectional_shapes_and_gradcheck(config, own_backward_layer):
    c = config
    rng = np.random.default_rng(c["seed"])
    options = {"bias": c["bias"], "return_sequences": c["return_sequences"]}
    forward_layer = build(c["kind"], c["n_in"], c["hidden"], rng, **options)
    backward_layer = build(c["kind"], c["n_in"], c["hidden"] + 1, rng, **options)
    layer = Bidirectional(
        forward_layer, backward_layer=backward_layer if own_backward_layer else None
    )
    size = layer.hidden_size
    x, h0, lengths = inputs(c, rng)
    if c["with_h0"]:
        h0 = (h0, state(c["kind"], rng, c["batch"], size - c["hidden"]))
    y = layer(x, h0, lengths=lengths)
    shape = (c["batch"], c["steps"], size) if c["return_sequences"] else (c["batch"], size)
    assert y.shape == shape
    layer.clear_saved()
    gradcheck(layer, x, h0, lengths)
