"""RNN semantics: equal to an unrolled loop of cells, h_n, stateful mode, strided inputs."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import RNN

F64 = np.float64


def grads(module):
    return {name: p.grad.copy() for name, p in module.named_parameters()}


def assert_same(a, b, tol=1e-12):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_rnn_equals_unrolled_cell_loop(rng, nonlinearity, return_sequences):
    rnn = RNN(
        3, 4, nonlinearity=nonlinearity, return_sequences=return_sequences, dtype=F64, rng=rng
    )
    x, h0 = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 4))
    y = rnn(x, h0)
    upstream = rng.standard_normal(y.shape)
    dx = rnn.backward(upstream)
    rnn_grads, grad_h0 = grads(rnn), rnn.grad_h0

    cell = rnn.cell
    cell.zero_grad()
    states, h = [], h0
    for t in range(6):
        h = cell(x[:, t], h)
        states.append(h)
    loop_y = np.stack(states, axis=1) if return_sequences else states[-1]
    assert_same(y, loop_y)
    assert_same(rnn.h_n, states[-1])
    grad_h, loop_dx = np.zeros_like(h0), np.zeros_like(x)
    for t in reversed(range(6)):
        if return_sequences:
            grad_h = grad_h + upstream[:, t]
        elif t == 5:
            grad_h = grad_h + upstream
        loop_dx[:, t], grad_h = cell.backward(grad_h)
    assert_same(dx, loop_dx)
    assert_same(grad_h0, grad_h)
    for name, value in grads(rnn).items():
        assert_same(rnn_grads[name], value)
    assert cell.pending_backwards == 0 and rnn.pending_backwards == 0


# ------------------------------------------------------------------------ hidden state
def test_h_n_is_the_last_output_and_many_to_one_is_the_last_step(rng):
    seq_rnn = RNN(3, 4, dtype=F64, rng=rng)
    last_rnn = RNN(cell=seq_rnn.cell, return_sequences=False)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    y = seq_rnn(x, h0)
    assert y.shape == (2, 5, 4)
    assert_same(seq_rnn.h_n, y[:, -1], tol=0)
    last = last_rnn(x, h0)
    assert last.shape == (2, 4)
    assert_same(last, y[:, -1], tol=0)
    assert_same(last_rnn.h_n, last, tol=0)
    assert not np.shares_memory(seq_rnn.h_n, y)  # h_n is a copy


def test_stateful_rnn_carries_h_n_and_reset_state_forgets(rng):
    rnn = RNN(3, 4, stateful=True, dtype=F64, rng=rng)
    plain = RNN(cell=rnn.cell)
    x = rng.standard_normal((2, 6, 3))
    whole = plain(x)
    first, second = rnn(x[:, :2]), rnn(x[:, 2:])
    assert_same(np.concatenate([first, second], axis=1), whole)
    assert_same(rnn.h_n, whole[:, -1])
    rnn.reset_state()
    assert rnn.h_n is None
    assert_same(rnn(x[:, 2:]), plain(x[:, 2:]))
    h0 = rng.standard_normal((2, 4))
    assert_same(rnn(x, h0), plain(x, h0))  # an explicit h0 wins over the carried state


def test_stateful_rnn_truncates_backprop_at_the_chunk_boundary(rng):
    rnn = RNN(3, 4, stateful=True, dtype=F64, rng=rng)
    x = rng.standard_normal((2, 6, 3))
    rnn(x[:, :3])
    carried = rnn.h_n.copy()
    y = rnn(x[:, 3:])
    upstream = rng.standard_normal(y.shape)
    dx = rnn.backward(upstream)
    plain = RNN(cell=RNN(3, 4, dtype=F64).cell)
    plain.cell.load_state_dict(rnn.cell.state_dict())
    plain(x[:, 3:], carried)
    assert_same(dx, plain.backward(upstream))
    assert_same(rnn.grad_h0, plain.grad_h0)


def test_stateful_rnn_rejects_a_different_batch(rng):
    rnn = RNN(3, 4, stateful=True, dtype=F64, rng=rng)
    rnn(rng.standard_normal((2, 3, 3)))
    with pytest.raises(ValueError, match=r"RNN \(stateful\).*batch 2.*batch 5.*reset_state"):
        rnn(rng.standard_normal((5, 3, 3)))
    rnn.reset_state()
    assert rnn(rng.standard_normal((5, 3, 3))).shape == (5, 3, 4)


def test_strided_and_fortran_ordered_inputs_give_the_same_results(rng):
    rnn = RNN(3, 4, dtype=F64, rng=rng)
    big = rng.standard_normal((4, 10, 6))
    x = big[::2, ::2, ::2]  # a strided view, shape (2, 5, 3)
    h0 = np.asfortranarray(rng.standard_normal((2, 4)))
    upstream = rng.standard_normal((2, 5, 4))
    outputs = []
    for inputs in [(x, h0), (np.ascontiguousarray(x), np.ascontiguousarray(h0))]:
        rnn.zero_grad()
        y = rnn(*inputs)
        outputs.append((y, rnn.backward(upstream), rnn.grad_h0, grads(rnn)))
    (y1, dx1, dh1, g1), (y2, dx2, dh2, g2) = outputs
    assert_same(y1, y2, tol=1e-15)
    assert_same(dx1, dx2, tol=1e-15)
    assert_same(dh1, dh2, tol=1e-15)
    for name in g1:
        assert_same(g1[name], g2[name], tol=1e-15)
