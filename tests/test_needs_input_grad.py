"""Module.needs_input_grad = False: backward returns None for dL/dx and skips computing it,
while every parameter gradient and dL/dh0 stay exactly what a full backward gives."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from step_cell import StepCell

import tinyrnn
from tinyrnn import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    Dropout,
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    ReLU,
    RNNCell,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    stacked,
)
from tinyrnn import functional as F

F64 = np.float64
B, T, N_IN, H = 3, 5, 4, 6


def sequence(rng):
    return rng.standard_normal((B, T, N_IN))


# name: (build(rng) -> module, make_input(rng) -> x). Every layer whose backward returns dx.
LAYERS = {
    "Linear": (lambda rng: Linear(N_IN, H, dtype=F64, rng=rng), sequence),
    "Tanh": (lambda rng: Tanh(), sequence),
    "Sigmoid": (lambda rng: Sigmoid(), sequence),
    "ReLU": (lambda rng: ReLU(), sequence),
    "Softmax": (lambda rng: Softmax(), sequence),
    "Dropout": (lambda rng: Dropout(0.5, rng=np.random.default_rng(7)), sequence),
    "RNN": (lambda rng: RNN(N_IN, H, dtype=F64, rng=rng), sequence),
    "RNN relu, many-to-one": (
        lambda rng: RNN(N_IN, H, nonlinearity="relu", return_sequences=False, dtype=F64, rng=rng),
        sequence,
    ),
    "RNN general path": (lambda rng: RNN(cell=StepCell(N_IN, H, dtype=F64, rng=rng)), sequence),
    "LSTM": (lambda rng: LSTM(N_IN, H, dtype=F64, rng=rng), sequence),
    "GRU": (lambda rng: GRU(N_IN, H, dtype=F64, rng=rng), sequence),
    "Bidirectional": (lambda rng: Bidirectional(LSTM(N_IN, H, dtype=F64, rng=rng)), sequence),
    "stacked GRU": (lambda rng: stacked(GRU, N_IN, H, 2, dtype=F64, rng=rng), sequence),
    "Sequential": (
        lambda rng: Sequential(RNN(N_IN, H, dtype=F64, rng=rng), Linear(H, 2, dtype=F64, rng=rng)),
        sequence,
    ),
}


def run_backward(module, x, grad_rng):
    """One forward and backward -> (what backward returned, {name: grad}, grad_h0 or None)."""
    module.zero_grad()
    y = module(x)
    returned = module.backward(np.random.default_rng(grad_rng).standard_normal(y.shape))
    grads = {name: p.grad.copy() for name, p in module.named_parameters()}
    return returned, grads, getattr(module, "grad_h0", None)


@pytest.mark.parametrize("name", list(LAYERS))
def test_skipping_dx_leaves_every_other_gradient_unchanged(name, rng):
    build, make_input = LAYERS[name]
    full = build(rng)
    x = make_input(rng)
    if name == "Dropout":  # the same mask in both runs: a second layer with the same seed
        skipping = build(rng)
    else:
        skipping = copy.deepcopy(full)
    skipping.needs_input_grad = False
    dx, grads, grad_h0 = run_backward(full, x, 1)
    nothing, grads_skipping, grad_h0_skipping = run_backward(skipping, x, 1)
    assert isinstance(dx, np.ndarray) and dx.shape == x.shape
    assert nothing is None
    assert grads.keys() == grads_skipping.keys()
    for key in grads:
        np.testing.assert_array_equal(grads_skipping[key], grads[key], err_msg=key)
    if grad_h0 is not None:
        for got, want in zip(np.atleast_1d(grad_h0_skipping), np.atleast_1d(grad_h0), strict=True):
            np.testing.assert_array_equal(got, want)


def test_variable_lengths_too(rng):
    full = RNN(N_IN, H, dtype=F64, rng=rng)
    skipping = copy.deepcopy(full)
    skipping.needs_input_grad = False
    x, lengths, g = sequence(rng), np.array([5, 2, 3]), rng.standard_normal((B, T, H))
    full(x, lengths=lengths)
    assert full.backward(g).shape == x.shape
    skipping(x, lengths=lengths)
    assert skipping.backward(g) is None
    np.testing.assert_array_equal(skipping.cell.weight_ih.grad, full.cell.weight_ih.grad)
    np.testing.assert_array_equal(skipping.grad_h0, full.grad_h0)


@pytest.mark.parametrize("cell_type", [RNNCell, LSTMCell, GRUCell])
def test_cells_return_none_for_dx(cell_type, rng):
    full = cell_type(N_IN, H, dtype=F64, rng=rng)
    skipping = copy.deepcopy(full)
    skipping.needs_input_grad = False
    x, h = rng.standard_normal((B, N_IN)), rng.standard_normal((B, H))
    state = (h, rng.standard_normal((B, H))) if cell_type is LSTMCell else h
    g = rng.standard_normal((B, H))
    grad_out = (g, None) if cell_type is LSTMCell else g
    full(x, state)
    skipping(x, state)
    dx, grad_prev = full.backward(grad_out)
    nothing, grad_prev_skipping = skipping.backward(grad_out)
    assert dx.shape == x.shape and nothing is None
    for got, want in zip(np.atleast_1d(grad_prev_skipping), np.atleast_1d(grad_prev), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(skipping.weight_hh.grad, full.weight_hh.grad)


def test_embedding_never_returns_dx(rng):
    layer = Embedding(10, 3, dtype=F64, rng=rng)
    layer(np.array([[1, 2], [3, 1]]))
    assert layer.backward(np.ones((2, 2, 3))) is None


def test_sequential_passes_the_flag_to_its_first_layer(rng):
    model = Sequential(RNN(N_IN, H, dtype=F64, rng=rng), Linear(H, 2, dtype=F64, rng=rng))
    assert model.needs_input_grad and model[0].needs_input_grad
    model.needs_input_grad = False
    assert not model[0].needs_input_grad and model[1].needs_input_grad
    assert not model.needs_input_grad
    model[0].needs_input_grad = True  # the first layer's flag is the model's
    assert model.needs_input_grad
    nested = Sequential(stacked(LSTM, N_IN, H, 2, dtype=F64, rng=rng), Linear(H, 2, dtype=F64))
    nested.needs_input_grad = False
    assert not nested[0][0].needs_input_grad  # the first LSTM of the inner stack
    assert "needs_input_grad" not in " ".join(nested.state_dict())


def test_sequential_refuses_a_gap_in_the_chain(rng):
    model = Sequential(RNN(N_IN, H, dtype=F64, rng=rng), Linear(H, 2, dtype=F64, rng=rng))
    model[1].needs_input_grad = False
    y = model(sequence(rng))
    with pytest.raises(RuntimeError, match=r"layer 1 \(Linear\).*layer 0 needs one"):
        model.backward(np.ones_like(y))


def test_empty_sequential(rng):
    model = Sequential()
    assert model.needs_input_grad
    with pytest.raises(ValueError, match="Sequential: needs_input_grad"):
        model.needs_input_grad = False


def test_bidirectional_sets_both_directions(rng):
    layer = Bidirectional(RNN(N_IN, H, dtype=F64, rng=rng))
    layer.needs_input_grad = False
    assert not layer.forward_layer.needs_input_grad
    assert not layer.backward_layer.needs_input_grad
    layer.backward_layer.needs_input_grad = True
    assert layer.needs_input_grad
    layer.forward_layer.needs_input_grad = False
    y = layer(sequence(rng))
    with pytest.raises(RuntimeError, match="Bidirectional.backward: one direction"):
        layer.backward(np.ones_like(y))


def test_general_path_needs_dx_from_its_cell(rng):
    cell = StepCell(N_IN, H, dtype=F64, rng=rng)
    cell.needs_input_grad = False
    rnn = RNN(cell=cell)
    y = rnn(sequence(rng))
    with pytest.raises(RuntimeError, match="StepCell.backward returned no input gradient"):
        rnn.backward(np.ones_like(y))
    rnn.needs_input_grad = False  # then nothing is asked of the cell's dx
    y = rnn(sequence(rng))
    assert rnn.backward(np.ones_like(y)) is None


def test_gradcheck_skips_the_data_input(rng):
    rnn = RNN(N_IN, H, dtype=F64, rng=rng)
    rnn.needs_input_grad = False
    report = tinyrnn.gradcheck(rnn, sequence(rng), rng.standard_normal((B, H)))
    assert "input 0" not in report.errors
    assert "input 1" in report.errors and "param cell.weight_hh" in report.errors


@pytest.mark.parametrize("kernel, rows", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_kernels_skip_dx(rng, kernel, rows):
    forward, backward = getattr(F, f"{kernel}_forward"), getattr(F, f"{kernel}_backward")
    x, h0 = rng.standard_normal((T, B, N_IN)), rng.standard_normal((B, H))
    state0 = (h0, rng.standard_normal((B, H))) if kernel == "lstm" else h0
    w_ih, w_hh = rng.standard_normal((rows * H, N_IN)), 0.3 * rng.standard_normal((rows * H, H))
    g = rng.standard_normal((T, B, H))
    _, _, cache = forward(x, state0, w_ih, w_hh)
    full = backward(g, None, cache)
    skipped = backward(g, None, cache, needs_input_grad=False)
    assert full[0] is not None and skipped[0] is None
    for got, want in zip(skipped[1:], full[1:], strict=True):
        for a, b in zip(got, want, strict=True) if isinstance(got, tuple) else [(got, want)]:
            np.testing.assert_array_equal(a, b)


class Spy(tinyrnn.Module):
    """An identity first layer that records the flag each backward sees."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        return np.array(x, dtype=F64)

    def backward(self, grad_output):
        self.seen.append(self.needs_input_grad)
        return grad_output  # ignores the flag, as a user's layer may


def test_fit_lets_layers_skip_dx_and_restores_the_flag(rng):
    from tinyrnn.training import NonFiniteLossError, fit

    spy = Spy()
    model = Sequential(spy, RNN(N_IN, H, dtype=F64, rng=rng), Linear(H, 1, dtype=F64, rng=rng))
    x, y = sequence(rng), rng.standard_normal((B, T, 1))
    optimizer = tinyrnn.SGD(model.parameters(), lr=0.1)
    fit(model, tinyrnn.MSELoss(), optimizer, [(x, y)], epochs=2, log=lambda _: None)
    assert spy.seen == [False, False]
    assert model.needs_input_grad and spy.needs_input_grad
    bad = y.copy()
    bad[0, 0, 0] = 1e200  # finite data (fit's data check passes) whose squared error overflows
    with pytest.raises(NonFiniteLossError):
        fit(model, tinyrnn.MSELoss(), optimizer, [(x, bad)], epochs=1, log=lambda _: None)
    assert model.needs_input_grad
