"""Finite-difference gradient checks (float64) of every layer, loss and cell."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn import (
    RNN,
    CrossEntropyLoss,
    Linear,
    MSELoss,
    ReLU,
    RNNCell,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)

F64 = np.float64
# Central differences with eps = 1e-6 are accurate to ~1e-9 here; demand that, not 1e-6.
ATOL, RTOL = 1e-7, 1e-6


@pytest.fixture
def check(record_max):
    """check(module, *inputs): gradcheck every input and parameter; record the largest error."""

    def run(module, *inputs):
        report = tinyrnn.gradcheck(module, *inputs, atol=ATOL, rtol=RTOL)
        names = set(report.errors)
        params = {f"param {name}" for name, _ in module.named_parameters()}
        assert params <= names, "gradcheck skipped a parameter"
        record_max("gradcheck max abs error", report.max_error)
        return report

    return run


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("steps", [1, 2, 7])
def test_rnn(check, rng, steps, batch, return_sequences, with_h0, nonlinearity):
    rnn = RNN(
        3, 4, nonlinearity=nonlinearity, return_sequences=return_sequences, dtype=F64, rng=rng
    )
    x = rng.standard_normal((batch, steps, 3))
    h0 = rng.standard_normal((batch, 4)) if with_h0 else None
    report = check(rnn, x, h0)
    assert ("input 1" in report.errors) == with_h0


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_without_bias(check, rng, nonlinearity):
    rnn = RNN(3, 5, nonlinearity=nonlinearity, bias=False, dtype=F64, rng=rng)
    check(rnn, rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5)))


@pytest.mark.parametrize("return_sequences", [True, False])
def test_rnn_general_path(check, rng, return_sequences):
    # A subclass overriding forward is run step by step through the cell's own backward.
    class LoggingCell(RNNCell):
        def forward(self, x, h_prev=None):
            return super().forward(x, h_prev)

    cell = LoggingCell(3, 4, dtype=F64, rng=rng)
    rnn = RNN(cell=cell, return_sequences=return_sequences)
    check(rnn, rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4)))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [1, 3])
def test_rnn_cell(check, rng, nonlinearity, bias, batch):
    cell = RNNCell(3, 4, bias=bias, nonlinearity=nonlinearity, dtype=F64, rng=rng)
    report = check(cell, rng.standard_normal((batch, 3)), rng.standard_normal((batch, 4)))
    assert {"input 0", "input 1"} <= set(report.errors)


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 5, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(check, rng, shape, bias):
    check(Linear(3, 4, bias=bias, dtype=F64, rng=rng), rng.standard_normal(shape))


@pytest.mark.parametrize("layer", [Tanh, Sigmoid, ReLU], ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_elementwise(check, rng, layer, shape):
    x = rng.uniform(0.1, 2.5, shape) * rng.choice([-1.0, 1.0], shape)  # ReLU: |x| >= 0.1
    check(layer(), x)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_softmax(check, rng, axis):
    check(Softmax(axis=axis), rng.standard_normal((2, 3, 4)))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)])
def test_mse_loss(check, rng, reduction, shape):
    check(MSELoss(reduction), rng.standard_normal(shape), rng.standard_normal(shape))


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_cross_entropy_loss(check, rng, shape):
    logits = rng.standard_normal(shape) * 2
    check(CrossEntropyLoss(), logits, rng.integers(0, shape[-1], shape[:-1]))


def test_sequential_rnn_linear(check, rng):
    model = Sequential(
        RNN(3, 4, dtype=F64, rng=rng),
        Tanh(),
        RNN(4, 5, nonlinearity="relu", return_sequences=False, dtype=F64, rng=rng),
        Linear(5, 2, dtype=F64, rng=rng),
        Sigmoid(),
    )
    check(model, rng.standard_normal((3, 4, 3)))


def test_shared_layer_used_twice(check, rng):
    shared = Linear(3, 3, dtype=F64, rng=rng)
    check(Sequential(shared, Tanh(), shared), rng.standard_normal((4, 3)))


# ------------------------------------------------------- user-style cells inside RNN(cell=...)
class LeakyCell(tinyrnn.Module):
    """h = 0.5 tanh(W x + U h_prev + b) + 0.5 h_prev, written from scratch as a user would."""

    def __init__(self, input_size, hidden_size, rng):
        super().__init__()
        self.hidden_size = hidden_size
        self.W = tinyrnn.Parameter(rng.standard_normal((hidden_size, input_size)) * 0.5)
        self.U = tinyrnn.Parameter(rng.standard_normal((hidden_size, hidden_size)) * 0.5)
        self.b = tinyrnn.Parameter(rng.standard_normal(hidden_size) * 0.1)

    def forward(self, x, h_prev):
        t = np.tanh(x @ self.W.data.T + h_prev @ self.U.data.T + self.b.data)
        self.save_for_backward((x, h_prev, t))
        return 0.5 * t + 0.5 * h_prev

    def backward(self, grad_h):
        x, h_prev, t = self.pop_saved()
        grad_a = 0.5 * grad_h * (1 - t * t)
        self.W.grad += grad_a.T @ x
        self.U.grad += grad_a.T @ h_prev
        self.b.grad += grad_a.sum(axis=0)
        return grad_a @ self.W.data, grad_a @ self.U.data + 0.5 * grad_h


class IndRNNCell(tinyrnn.Module):
    """IndRNN: h = relu(W x + u * h_prev + b), an elementwise (diagonal) recurrence."""

    def __init__(self, input_size, hidden_size, rng):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight = tinyrnn.Parameter(rng.standard_normal((hidden_size, input_size)))
        self.recurrent = tinyrnn.Parameter(rng.uniform(0.5, 1.0, hidden_size))
        self.bias = tinyrnn.Parameter(rng.uniform(0.5, 1.0, hidden_size))

    def forward(self, x, h_prev):
        h = np.maximum(x @ self.weight.data.T + self.recurrent.data * h_prev + self.bias.data, 0)
        self.save_for_backward((x, h_prev, h))
        return h

    def backward(self, grad_h):
        x, h_prev, h = self.pop_saved()
        grad_a = grad_h * (h > 0)
        self.weight.grad += grad_a.T @ x
        self.recurrent.grad += (grad_a * h_prev).sum(axis=0)
        self.bias.grad += grad_a.sum(axis=0)
        return grad_a @ self.weight.data, grad_a * self.recurrent.data


@pytest.mark.parametrize("cell_type", [LeakyCell, IndRNNCell], ids=lambda c: c.__name__)
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
def test_custom_cell_inside_rnn(check, rng, cell_type, return_sequences, with_h0):
    rnn = RNN(cell=cell_type(3, 4, rng), return_sequences=return_sequences)
    h0 = rng.standard_normal((2, 4)) if with_h0 else None
    report = check(rnn, rng.standard_normal((2, 5, 3)), h0)
    assert "input 0" in report.errors and ("input 1" in report.errors) == with_h0


# ------------------------------------------------------------ gradcheck itself can fail
class WrongTanh(Tanh):
    def backward(self, grad_output):
        return super().backward(grad_output) * 1.001


class ForgetsRecurrentPath(LeakyCell):
    def backward(self, grad_h):
        grad_x, grad_h_prev = super().backward(grad_h)
        return grad_x, 0.5 * grad_h  # drops the path through U: a classic BPTT bug


def test_gradcheck_catches_wrong_input_gradient(rng):
    with pytest.raises(tinyrnn.GradcheckError, match="input 0"):
        tinyrnn.gradcheck(WrongTanh(), rng.standard_normal((3, 4)))


def test_gradcheck_catches_missing_recurrent_path(rng):
    rnn = RNN(cell=ForgetsRecurrentPath(3, 4, rng))
    with pytest.raises(tinyrnn.GradcheckError, match="param cell.U"):
        tinyrnn.gradcheck(rnn, rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4)))


def test_gradcheck_rejects_float32(rng):
    with pytest.raises(TypeError, match="float64"):
        tinyrnn.gradcheck(Linear(3, 2, dtype=np.float32), rng.standard_normal((2, 3)))


def test_gradcheck_perturbs_non_contiguous_parameters(check, rng):
    layer = Linear(3, 4, dtype=F64, rng=rng)
    layer.weight.data = np.asfortranarray(layer.weight.data)  # a layout reshape(-1) would copy
    check(layer, rng.standard_normal((5, 3)))
