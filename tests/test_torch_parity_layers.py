"""Parity with PyTorch (float64, 1e-10): layers, cells and losses. Skipped without torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from step_cell import step_twin

from tinyrnn import RNN, CrossEntropyLoss, Linear, MSELoss, ReLU, RNNCell, Sigmoid, Softmax, Tanh

torch = pytest.importorskip("torch")

F64 = np.float64
TOL = 1e-10


@pytest.fixture
def same(record_max):
    """same(name, ours, theirs): assert agreement to TOL and record the largest difference."""

    def compare(name, ours, theirs):
        theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
        assert np.shape(ours) == np.shape(theirs), name
        error = float(np.max(np.abs(np.asarray(ours) - theirs), initial=0.0))
        record_max("torch parity max abs error", error)
        assert error <= TOL, f"{name}: max abs error {error:.3g}"

    return compare


def tensor(array, grad=True):
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def copy_cell_weights(cell, torch_module, suffix=""):
    """Copy tinyrnn's RNNCell parameters into the torch module (names differ by `_l0`)."""
    with torch.no_grad():
        for name, param in cell.named_parameters():
            getattr(torch_module, name + suffix).copy_(torch.from_numpy(param.data))


def assert_cell_grads(same, cell, torch_module, suffix=""):
    for name, param in cell.named_parameters():
        same(f"grad {name}", param.grad, getattr(torch_module, name + suffix).grad)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("steps", [1, 6])
def test_rnn(same, rng, nonlinearity, bias, return_sequences, with_h0, steps):
    batch, inputs, hidden = 3, 4, 5
    ours = RNN(inputs, hidden, nonlinearity=nonlinearity, bias=bias, dtype=F64, rng=rng)
    ours = RNN(cell=step_twin(ours.cell), return_sequences=return_sequences)
    theirs = torch.nn.RNN(inputs, hidden, nonlinearity=nonlinearity, bias=bias, batch_first=True)
    theirs = theirs.double()
    copy_cell_weights(ours.cell, theirs, "_l0")
    x = rng.standard_normal((batch, steps, inputs))
    h0 = rng.standard_normal((batch, hidden)) if with_h0 else None

    y = ours(x, h0)
    x_t = tensor(x)
    h0_t = tensor(h0) if with_h0 else None
    y_t, h_n_t = theirs(x_t, h0_t[None] if with_h0 else None)
    if not return_sequences:
        y_t = y_t[:, -1]
    same("output", y, y_t)
    same("h_n", ours.h_n, h_n_t[0])

    upstream = rng.standard_normal(y.shape)
    dx = ours.backward(upstream)
    (y_t * torch.from_numpy(upstream)).sum().backward()
    same("dx", dx, x_t.grad)
    if with_h0:
        same("dh0", ours.grad_h0, h0_t.grad)
    assert_cell_grads(same, ours.cell, theirs, "_l0")


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell(same, rng, nonlinearity, bias):
    ours = RNNCell(4, 5, bias=bias, nonlinearity=nonlinearity, dtype=F64, rng=rng)
    theirs = torch.nn.RNNCell(4, 5, bias=bias, nonlinearity=nonlinearity).double()
    copy_cell_weights(ours, theirs)
    x, h = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    x_t, h_t = tensor(x), tensor(h)
    out, out_t = ours(x, h), theirs(x_t, h_t)
    same("h", out, out_t)
    upstream = rng.standard_normal(out.shape)
    dx, dh = ours.backward(upstream)
    (out_t * torch.from_numpy(upstream)).sum().backward()
    same("dx", dx, x_t.grad)
    same("dh_prev", dh, h_t.grad)
    assert_cell_grads(same, ours, theirs)


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(same, rng, shape, bias):
    ours = Linear(3, 6, bias=bias, dtype=F64, rng=rng)
    theirs = torch.nn.Linear(3, 6, bias=bias).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        if bias:
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    x = rng.standard_normal(shape)
    x_t = tensor(x)
    y, y_t = ours(x), theirs(x_t)
    same("output", y, y_t)
    upstream = rng.standard_normal(y.shape)
    dx = ours.backward(upstream)
    (y_t * torch.from_numpy(upstream)).sum().backward()
    same("dx", dx, x_t.grad)
    same("grad weight", ours.weight.grad, theirs.weight.grad)
    if bias:
        same("grad bias", ours.bias.grad, theirs.bias.grad)


ACTIVATIONS = [
    (Tanh(), torch.tanh),
    (Sigmoid(), torch.sigmoid),
    (ReLU(), torch.relu),
    (Softmax(axis=-1), lambda t: torch.softmax(t, dim=-1)),
    (Softmax(axis=0), lambda t: torch.softmax(t, dim=0)),
    (Softmax(axis=1), lambda t: torch.softmax(t, dim=1)),
]


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS, ids=lambda v: repr(v)[:12])
def test_activations(same, rng, ours, theirs):
    x = rng.standard_normal((2, 3, 4)) * 4
    x_t = tensor(x)
    y, y_t = ours(x), theirs(x_t)
    same("output", y, y_t)
    upstream = rng.standard_normal(y.shape)
    (y_t * torch.from_numpy(upstream)).sum().backward()
    same("dx", ours.backward(upstream), x_t.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
def test_mse_loss(same, rng, reduction, shape):
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    pred_t = tensor(pred)
    loss_fn = MSELoss(reduction)
    loss_t = torch.nn.functional.mse_loss(pred_t, tensor(target, False), reduction=reduction)
    same("loss", loss_fn(pred, target), loss_t)
    loss_t.backward(torch.tensor(0.7, dtype=torch.float64))
    same("dpred", loss_fn.backward(0.7), pred_t.grad)


@pytest.mark.parametrize("scale", [5.0, 1e4])
@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 4), (1, 1)])
def test_cross_entropy_loss(same, rng, shape, scale):
    logits = rng.standard_normal(shape) * scale
    target = rng.integers(0, shape[-1], shape[:-1])
    logits_t = tensor(logits)
    loss_fn = CrossEntropyLoss()
    # torch wants classes on dim 1: flatten every position into the batch dimension.
    loss_t = torch.nn.functional.cross_entropy(
        logits_t.reshape(-1, shape[-1]), torch.from_numpy(target.reshape(-1))
    )
    same("loss", loss_fn(logits, target), loss_t)
    loss_t.backward()
    same("dlogits", loss_fn.backward(), logits_t.grad)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    batch=st.integers(1, 4),
    steps=st.integers(1, 9),
    inputs=st.integers(1, 5),
    hidden=st.integers(1, 6),
    nonlinearity=st.sampled_from(["tanh", "relu"]),
    return_sequences=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_rnn_any_shape(batch, steps, inputs, hidden, nonlinearity, return_sequences, seed):
    rng = np.random.default_rng(seed)
    ours = RNN(inputs, hidden, nonlinearity=nonlinearity, dtype=F64, rng=rng)
    ours = RNN(cell=step_twin(ours.cell), return_sequences=return_sequences)
    theirs = torch.nn.RNN(inputs, hidden, nonlinearity=nonlinearity, batch_first=True).double()
    copy_cell_weights(ours.cell, theirs, "_l0")
    x, h0 = rng.standard_normal((batch, steps, inputs)), rng.standard_normal((batch, hidden))
    x_t, h0_t = tensor(x), tensor(h0)
    y = ours(x, h0)
    y_t = theirs(x_t, h0_t[None])[0]
    y_t = y_t if return_sequences else y_t[:, -1]
    upstream = rng.standard_normal(y.shape)
    dx = ours.backward(upstream)
    (y_t * torch.from_numpy(upstream)).sum().backward()
    pairs = [(y, y_t), (dx, x_t.grad), (ours.grad_h0, h0_t.grad)]
    pairs += [(p.grad, getattr(theirs, n + "_l0").grad) for n, p in ours.cell.named_parameters()]
    for a, b in pairs:
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=TOL)
