"""tinyrnn.functional against direct formulas and a naive per-step RNN written here."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn.functional as F


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_sums_to_one_and_matches_formula(rng, dtype, axis):
    x = rng.standard_normal((4, 5, 3)).astype(dtype)
    y = F.softmax(x, axis=axis)
    assert y.dtype == dtype and y.shape == x.shape
    expected = np.exp(x.astype(np.float64)) / np.exp(x.astype(np.float64)).sum(axis, keepdims=True)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(y, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_logits(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    with np.errstate(all="raise"):
        y = F.softmax(x)
        log_y = F.log_softmax(x)
        loss = F.cross_entropy(x, np.array([1, 0, 2]))
        grad = F.grad_cross_entropy(x, np.array([1, 0, 2]))
        grad_x = F.grad_softmax(y, np.ones_like(y))
    expected = np.array([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]])
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    np.testing.assert_allclose(log_y[0], [0.0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(log_y[1], np.log(1 / 3), rtol=1e-6)
    # -log p: 2e4 for row 0, log 3 for row 1, 2e4 + log 2 for row 2; mean over rows.
    np.testing.assert_allclose(loss, (2e4 + np.log(3) + 2e4 + np.log(2)) / 3, rtol=1e-6)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(grad_x))


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_grad_softmax_equals_explicit_jacobian_product(rng, axis):
    x = rng.standard_normal((3, 4, 5))
    g = rng.standard_normal(x.shape)
    y = F.softmax(x, axis=axis)
    got = F.grad_softmax(y, g, axis=axis)
    # Move the softmax axis last, then apply J = diag(s) - s s^T to each vector explicitly.
    ys, gs = np.moveaxis(y, axis, -1), np.moveaxis(g, axis, -1)
    expected = np.empty_like(ys)
    for index in np.ndindex(ys.shape[:-1]):
        s = ys[index]
        jacobian = np.diag(s) - np.outer(s, s)
        expected[index] = jacobian.T @ gs[index]
    np.testing.assert_allclose(got, np.moveaxis(expected, -1, axis), rtol=1e-12, atol=1e-15)


def test_elementwise_derivatives_match_finite_differences(rng):
    x = rng.uniform(-2, 2, 50)
    x = x[np.abs(x) > 0.1]  # keep ReLU away from its kink
    eps = 1e-6
    pairs = [(F.tanh, F.grad_tanh), (F.sigmoid, F.grad_sigmoid), (F.relu, F.grad_relu)]
    for function, derivative in pairs:
        numeric = (function(x + eps) - function(x - eps)) / (2 * eps)
        np.testing.assert_allclose(derivative(function(x)), numeric, atol=1e-8)
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_array_equal(F.relu(x), np.where(x > 0, x, 0))


def test_sigmoid_has_no_overflow_for_large_negative_inputs():
    with np.errstate(all="raise"):
        y = F.sigmoid(np.array([-1e4, -50.0, 0.0, 50.0, 1e4]))
    np.testing.assert_allclose(y, [0, 1 / (1 + np.exp(50)), 0.5, 1 / (1 + np.exp(-50)), 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot(dtype):
    indices = np.array([[0, 2], [1, 1]])
    encoded = F.one_hot(indices, 3, dtype=dtype)
    assert encoded.shape == (2, 2, 3) and encoded.dtype == dtype
    expected = np.array([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]])
    np.testing.assert_array_equal(encoded, expected)
    np.testing.assert_array_equal(F.one_hot([3], 4), [[0, 0, 0, 1]])


def test_one_hot_rejects_bad_indices():
    with pytest.raises(ValueError, match=r"one_hot: indices must lie in \[0, 3\)"):
        F.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="one_hot"):
        F.one_hot(np.array([-1]), 3)
    with pytest.raises(TypeError, match="one_hot: expected integer indices"):
        F.one_hot(np.array([0.0, 1.0]), 3)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_loss_and_gradient(rng, reduction):
    pred, target = rng.standard_normal((2, 4, 3))
    squares = [(p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel(), strict=True)]
    expected = sum(squares) / (len(squares) if reduction == "mean" else 1)
    assert F.mse_loss(pred, target, reduction) == pytest.approx(expected, rel=1e-13)
    grad = F.grad_mse_loss(pred, target, reduction)
    scale = 1 / pred.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(grad, 2 * (pred - target) * scale, rtol=1e-13)
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(pred, target, "max")


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (1, 1)])
def test_cross_entropy_against_direct_formula(rng, shape):
    logits = rng.standard_normal(shape) * 3
    target = rng.integers(0, shape[-1], shape[:-1])
    flat_logits, flat_target = logits.reshape(-1, shape[-1]), target.ravel()
    terms = [
        -np.log(np.exp(row[k]) / np.exp(row).sum())
        for row, k in zip(flat_logits, flat_target, strict=True)
    ]
    assert F.cross_entropy(logits, target) == pytest.approx(np.mean(terms), rel=1e-13)
    probs = np.exp(flat_logits) / np.exp(flat_logits).sum(axis=1, keepdims=True)
    probs[np.arange(len(flat_target)), flat_target] -= 1
    expected_grad = (probs / len(flat_target)).reshape(shape)
    np.testing.assert_allclose(F.grad_cross_entropy(logits, target), expected_grad, atol=1e-15)


# ---------------------------------------------------------------- the recurrent kernels
# A naive reference in the style of the original single-file script: one sample at a time,
# column vectors, W x + b, and BPTT that carries dh_next backwards by hand.
def naive_rnn(xs, h0, Wxh, Whh, bh, nonlinearity):
    steps, batch, _ = xs.shape
    hs = np.zeros((steps, batch, Whh.shape[0]))
    for b in range(batch):
        h = h0[b].reshape(-1, 1)
        for t in range(steps):
            raw = Wxh @ xs[t, b].reshape(-1, 1) + Whh @ h + bh.reshape(-1, 1)
            h = np.tanh(raw) if nonlinearity == "tanh" else np.maximum(raw, 0)
            hs[t, b] = h.ravel()
    return hs


def naive_rnn_backward(dhs, hs, xs, h0, Wxh, Whh, nonlinearity):
    dWxh, dWhh, dbh = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros((Whh.shape[0], 1))
    dxs, dh0 = np.zeros_like(xs), np.zeros_like(h0)
    for b in range(xs.shape[1]):
        dh_next = np.zeros((Whh.shape[0], 1))
        for t in reversed(range(xs.shape[0])):
            h = hs[t, b].reshape(-1, 1)
            dh = dhs[t, b].reshape(-1, 1) + dh_next
            draw = (1 - h * h) * dh if nonlinearity == "tanh" else (h > 0) * dh
            h_prev = (hs[t - 1, b] if t > 0 else h0[b]).reshape(-1, 1)
            dbh += draw
            dWxh += draw @ xs[t, b].reshape(1, -1)
            dWhh += draw @ h_prev.T
            dxs[t, b] = (Wxh.T @ draw).ravel()
            dh_next = Whh.T @ draw
        dh0[b] = dh_next.ravel()
    return dxs, dh0, dWxh, dWhh, dbh.ravel()


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("steps", [1, 4])
@pytest.mark.parametrize("with_bias", [True, False])
def test_rnn_kernels_match_naive_loop(rng, nonlinearity, steps, with_bias):
    batch, inputs, hidden = 3, 3, 5
    x = rng.standard_normal((steps, batch, inputs))
    h0 = rng.standard_normal((batch, hidden))
    w_ih, w_hh = rng.standard_normal((hidden, inputs)), rng.standard_normal((hidden, hidden)) / 2
    bias = rng.standard_normal(hidden) if with_bias else None
    originals = [a.copy() for a in (x, h0, w_ih, w_hh)]

    # The two biases always appear summed: split the reference bias between them.
    biases = (bias / 3, bias * 2 / 3) if with_bias else (None, None)
    h, h_n, cache = F.rnn_forward(x, h0, w_ih, w_hh, *biases, nonlinearity=nonlinearity)
    expected_h = naive_rnn(x, h0, w_ih, w_hh, bias if with_bias else np.zeros(hidden), nonlinearity)
    np.testing.assert_allclose(h, expected_h, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(h_n, h[-1])

    grad_h = rng.standard_normal(h.shape)
    grad_x, grad_h0, grads = F.rnn_backward(grad_h, None, cache)
    got = (grad_x, grad_h0, *grads)
    expected = naive_rnn_backward(grad_h, expected_h, x, h0, w_ih, w_hh, nonlinearity)
    expected += expected[-1:] if with_bias else ()  # db_hh == db_ih
    names = ["dx", "dh0", "dW_ih", "dW_hh", "db_ih", "db_hh"]
    assert len(got) == (6 if with_bias else 4)
    for name, a, b in zip(names, got, expected, strict=False):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12, err_msg=name)
    for before, after in zip(originals, (x, h0, w_ih, w_hh), strict=True):
        np.testing.assert_array_equal(before, after)  # the kernels never write their inputs


@pytest.mark.parametrize("kernel", ["rnn", "lstm", "gru"])
def test_masked_steps_carry_the_state_and_pass_its_gradient(rng, kernel):
    """A step masked out for a sample leaves its state as it was: the same results, gradients
    included, as running that sample without the step."""
    forward, backward = getattr(F, f"{kernel}_forward"), getattr(F, f"{kernel}_backward")
    rows = {"rnn": 1, "lstm": 4, "gru": 3}[kernel]
    steps, batch, inputs, hidden = 5, 2, 3, 4
    x = rng.standard_normal((steps, batch, inputs))
    weights = [
        rng.standard_normal((rows * hidden, inputs)) / 2,
        rng.standard_normal((rows * hidden, hidden)) / 2,
        rng.standard_normal(rows * hidden),
        rng.standard_normal(rows * hidden),
    ]
    h0 = rng.standard_normal((batch, hidden))
    state0 = (h0, rng.standard_normal((batch, hidden))) if kernel == "lstm" else h0
    mask = np.ones((steps, batch), dtype=bool)
    mask[[1, 3], 0] = False  # sample 0 skips steps 1 and 3
    h, last, cache = forward(x, state0, *weights, mask=mask)
    grad_h = rng.standard_normal(h.shape)
    grad_last = (
        tuple(rng.standard_normal((batch, hidden)) for _ in range(2))
        if kernel == "lstm"
        else rng.standard_normal((batch, hidden))
    )
    grad_x, grad_state0, grads = backward(grad_h, grad_last, cache)

    kept = [0, 2, 4]  # sample 0 alone, without its skipped steps

    def part(state, b):
        return tuple(s[b : b + 1] for s in state) if kernel == "lstm" else state[b : b + 1]

    h_a, last_a, cache_a = forward(x[kept, :1], part(state0, 0), *weights)
    # A skipped step outputs the carried state: its output gradient joins the step before.
    grad_h_a = grad_h[kept, :1].copy()
    grad_h_a[0] += grad_h[1, :1]
    grad_h_a[1] += grad_h[3, :1]
    grad_x_a, grad_state0_a, grads_a = backward(grad_h_a, part(grad_last, 0), cache_a)
    h_b, last_b, cache_b = forward(x[:, 1:], part(state0, 1), *weights)
    grad_x_b, grad_state0_b, grads_b = backward(grad_h[:, 1:], part(grad_last, 1), cache_b)

    def same(a, b):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)

    same(h[kept, 0], h_a[:, 0])
    same(h[[1, 3], 0], h_a[[0, 1], 0])  # carried over
    same(h[:, 1], h_b[:, 0])
    for a, b in zip(*(part(s, 0) for s in (last, last_a)), strict=True) if kernel == "lstm" else ():
        same(a, b)
    same(grad_x[kept, 0], grad_x_a[:, 0])
    np.testing.assert_array_equal(grad_x[[1, 3], 0], 0)  # skipped steps read nothing
    same(grad_x[:, 1], grad_x_b[:, 0])
    states = (
        zip(grad_state0, grad_state0_a, grad_state0_b, strict=True)
        if kernel == "lstm"
        else [(grad_state0, grad_state0_a, grad_state0_b)]
    )
    for got, a, b in states:
        same(got[0], a[0])
        same(got[1], b[0])
    for got, a, b in zip(grads, grads_a, grads_b, strict=True):
        same(got, a + b)


def test_rnn_forward_rejects_unknown_nonlinearity():
    x, h0, w = np.zeros((1, 1, 2)), np.zeros((1, 2)), np.zeros((2, 2))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        F.rnn_forward(x, h0, w, w, nonlinearity="sigmoid")
