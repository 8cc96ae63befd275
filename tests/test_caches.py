"""Forward caches: accumulation, zero_grad, one backward per forward, LIFO, no aliasing."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import (
    RNN,
    CrossEntropyLoss,
    Linear,
    MSELoss,
    RNNCell,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)

F64 = np.float64


def grads(module):
    return {name: p.grad.copy() for name, p in module.named_parameters()}


def assert_same(a, b, tol=1e-12):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def make_layers(rng):
    return [
        (RNN(3, 4, dtype=F64, rng=rng), [(2, 5, 3), (2, 4)]),
        (RNNCell(3, 4, dtype=F64, rng=rng), [(2, 3), (2, 4)]),
        (Linear(3, 4, dtype=F64, rng=rng), [(2, 5, 3)]),
        (Sequential(RNN(3, 4, dtype=F64, rng=rng), Linear(4, 2, dtype=F64, rng=rng)), [(2, 5, 3)]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_second_backward_accumulates_and_zero_grad_resets(rng, index):
    layer, shapes = make_layers(rng)[index]
    inputs = [rng.standard_normal(shape) for shape in shapes]
    y = layer(*inputs)
    upstream = rng.standard_normal(y.shape)
    layer.backward(upstream)
    once = grads(layer)
    assert all(np.any(g != 0) for g in once.values())
    layer(*inputs)
    layer.backward(upstream)
    for name, value in grads(layer).items():
        assert_same(value, 2 * once[name])
    layer.zero_grad()
    assert all(not np.any(g) for g in grads(layer).values())


LAYERS_FOR_EMPTY_BACKWARD = [
    lambda: RNN(3, 4),
    lambda: RNNCell(3, 4),
    lambda: Linear(3, 4),
    lambda: Tanh(),
    lambda: Sigmoid(),
    lambda: Softmax(),
    lambda: Sequential(Linear(3, 4), Tanh()),
]


@pytest.mark.parametrize("make", LAYERS_FOR_EMPTY_BACKWARD)
def test_backward_before_forward_raises(make):
    layer = make()
    with pytest.raises(RuntimeError, match="no pending forward"):
        layer.backward(np.zeros((2, 4)))


@pytest.mark.parametrize("loss_fn", [MSELoss(), CrossEntropyLoss()])
def test_loss_backward_before_forward_raises(loss_fn):
    with pytest.raises(RuntimeError, match=f"{type(loss_fn).__name__}.backward"):
        loss_fn.backward()


def test_one_backward_per_forward(rng):
    layer = Linear(3, 2, dtype=F64, rng=rng)
    layer(rng.standard_normal((4, 3)))
    layer.backward(np.ones((4, 2)))
    with pytest.raises(RuntimeError, match="Linear.backward"):
        layer.backward(np.ones((4, 2)))


def test_repeated_calls_are_consumed_last_in_first_out(rng):
    layer = Linear(3, 2, dtype=F64, rng=rng)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    grad_a, grad_b = rng.standard_normal((4, 2)), rng.standard_normal((5, 2))
    layer(a)
    layer(b)
    assert layer.backward(grad_b).shape == b.shape  # b's cache comes out first
    assert_same(layer.weight.grad, grad_b.T @ b)
    layer.backward(grad_a)
    assert_same(layer.weight.grad, grad_b.T @ b + grad_a.T @ a)
    assert_same(layer.bias.grad, grad_b.sum(0) + grad_a.sum(0))


def test_rnn_calls_are_consumed_last_in_first_out(rng):
    rnn = RNN(3, 4, dtype=F64, rng=rng)
    short, long = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 5, 3))
    rnn(short)
    y_long = rnn(long)
    assert rnn.backward(np.ones_like(y_long)).shape == long.shape
    assert rnn.backward(np.ones((2, 2, 4))).shape == short.shape


def test_clear_saved_drops_pending_caches(rng):
    model = Sequential(RNN(3, 4, dtype=F64, rng=rng), Linear(4, 2, dtype=F64, rng=rng))
    model(rng.standard_normal((2, 3, 3)))
    model.clear_saved()
    assert all(m.pending_backwards == 0 for m in model.modules())
    with pytest.raises(RuntimeError):
        model.backward(np.ones((2, 3, 2)))


# ---------------------------------------------------------------- no aliasing of buffers
def as_tuple(grad):
    """A cell's backward returns (dx, dh_prev); the other layers return dx alone."""
    return grad if isinstance(grad, tuple) else (grad,)


def run_once(index, scribble):
    """Forward, optionally overwrite the output in place, backward: -> (dx, grads, arrays)."""
    rng = np.random.default_rng(7)
    layer, shapes = make_layers(rng)[index]
    inputs = [rng.standard_normal(shape) for shape in shapes]
    y = layer(*inputs)
    upstream = rng.standard_normal(y.shape)
    if scribble and not y.flags.writeable:
        # A recurrent layer's outputs are a read-only view of its cache: writing raises.
        with pytest.raises(ValueError, match="read-only"):
            y[...] = 1e3
    elif scribble:
        y[...] = 1e3
    dx = layer.backward(upstream)
    return dx, grads(layer), inputs + [upstream]


@pytest.mark.parametrize("index", range(4), ids=["RNN", "RNNCell", "Linear", "Sequential"])
def test_layers_never_write_their_inputs_and_outputs_are_not_cached(index):
    dx, expected, arrays = run_once(index, scribble=False)
    scribbled_dx, scribbled, _ = run_once(index, scribble=True)
    for name, value in expected.items():
        assert_same(scribbled[name], value, tol=0)
    for a, b in zip(as_tuple(dx), as_tuple(scribbled_dx), strict=True):
        assert_same(a, b, tol=0)
    rng = np.random.default_rng(7)
    make_layers(rng)
    originals = [rng.standard_normal(a.shape) for a in arrays]
    for before, after in zip(originals, arrays, strict=True):
        np.testing.assert_array_equal(before, after)
