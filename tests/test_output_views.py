"""Recurrent outputs are views, not copies: read-only while a backward may need them, writable
under no_grad; Linear works in the memory order of such a view and gives the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from step_cell import StepCell

import tinyrnn
from tinyrnn import GRU, LSTM, RNN, Linear, Sequential

F64 = np.float64


LAYERS = {
    "RNN": lambda rng: RNN(3, 4, dtype=F64, rng=rng),
    "RNN general": lambda rng: RNN(cell=StepCell(3, 4, dtype=F64, rng=rng)),
    "LSTM": lambda rng: LSTM(3, 4, dtype=F64, rng=rng),
    "GRU": lambda rng: GRU(3, 4, dtype=F64, rng=rng),
}


@pytest.mark.parametrize("lengths", [None, [5, 2, 4]])
@pytest.mark.parametrize("name", list(LAYERS))
def test_outputs_are_read_only_in_training_and_writable_under_no_grad(name, lengths, rng):
    layer = LAYERS[name](rng)
    x = rng.standard_normal((3, 5, 3))
    y = layer(x, lengths=lengths)
    assert not y.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        y[0, 0, 0] = 1.0
    if lengths is not None:  # padded steps are zeros, as PyTorch's pad_packed_sequence
        assert np.all(y[1, 2:] == 0) and np.all(y[2, 4:] == 0)
    g = rng.standard_normal(y.shape)
    assert layer.backward(g).shape == x.shape
    with tinyrnn.no_grad():
        free = layer(x, lengths=lengths)
    assert free.flags.writeable
    np.testing.assert_array_equal(free, y)
    free[...] = 7.0  # nothing is cached under no_grad: writing is harmless
    again = layer(x, lengths=lengths)  # and reaches no later call
    np.testing.assert_array_equal(again, y)
    assert not np.shares_memory(again, y) and not np.shares_memory(again, free)


@pytest.mark.parametrize("name", list(LAYERS))
def test_padding_zeroed_in_the_cache_leaves_the_gradients_as_per_sample_runs(name, rng):
    layer = LAYERS[name](rng)
    x, g = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    layer(x, lengths=[5, 3])
    dx = layer.backward(g)
    grads = [p.grad.copy() for p in layer.parameters()]
    layer.zero_grad()
    # Each sample alone, unpadded: the sum of their gradients is the padded batch's.
    dx_short = None
    for sample, steps in ((0, 5), (1, 3)):
        layer(x[sample : sample + 1, :steps])
        grad = layer.backward(g[sample : sample + 1, :steps])
        if sample == 1:
            dx_short = grad
    np.testing.assert_allclose(dx[1, :3], dx_short[0], atol=1e-12)
    np.testing.assert_array_equal(dx[1, 3:], 0)
    for p, want in zip(layer.parameters(), grads, strict=True):
        np.testing.assert_allclose(p.grad, want, atol=1e-12)


def test_linear_on_a_time_major_view_matches_a_contiguous_input(rng):
    time_major = rng.standard_normal((5, 3, 4))
    view = time_major.transpose(1, 0, 2)  # what a recurrent layer returns
    copy = np.ascontiguousarray(view)
    upstream = rng.standard_normal((3, 5, 2))
    results = []
    for x in (view, copy):
        layer = Linear(4, 2, dtype=F64, rng=np.random.default_rng(0))
        y = layer(x)
        dx = layer.backward(upstream)
        results.append((y, dx, layer.weight.grad.copy(), layer.bias.grad.copy()))
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    y_view, dx_view = results[0][:2]
    assert y_view.shape == (3, 5, 2) and dx_view.shape == (3, 5, 4)
    np.testing.assert_array_equal(view, copy)  # the input was not written


def test_linear_gradcheck_on_a_time_major_view(rng):
    layer = Linear(4, 3, dtype=F64, rng=rng)
    x = rng.standard_normal((6, 2, 4)).transpose(1, 0, 2)
    tinyrnn.gradcheck(layer, x, atol=1e-7, rtol=1e-6)


def test_a_stack_reads_the_previous_layers_view(rng):
    model = Sequential(RNN(3, 4, dtype=F64, rng=rng), GRU(4, 5, dtype=F64, rng=rng))
    x = rng.standard_normal((2, 6, 3))
    report = tinyrnn.gradcheck(model, x, atol=1e-7, rtol=1e-6)
    assert "input 0" in report.errors


def test_the_layout_flows_through_linear_and_the_loss_both_ways(rng):
    # No layer copies to change layout: RNN -> Linear -> MSELoss keep the time-major order
    # forward, and the gradients come back in it (the RNN then reads contiguous steps).
    rnn, linear = RNN(3, 4, dtype=F64, rng=rng), Linear(4, 2, dtype=F64, rng=rng)
    loss_fn = tinyrnn.MSELoss()
    x, target = rng.standard_normal((3, 5, 3)), rng.standard_normal((3, 5, 2))
    h = rnn(x)
    y = linear(h)
    loss_fn(y, target)
    grad_y = loss_fn.backward()
    grad_h = linear.backward(grad_y)
    for array in (h, y, grad_y, grad_h):
        assert array.transpose(1, 0, 2).flags.c_contiguous
    np.testing.assert_allclose(grad_y, 2 * (y - target) / y.size, rtol=1e-14)


def address(array):
    return array.__array_interface__["data"][0]


@pytest.mark.parametrize("grad_enabled", [True, False])
def test_outputs_the_caller_keeps_are_never_overwritten_by_later_calls(grad_enabled, rng):
    rnn = RNN(3, 4, dtype=F64, rng=rng)
    xs = [rng.standard_normal((2, 5, 3)) for _ in range(4)]

    def call(x):
        if not grad_enabled:
            with tinyrnn.no_grad():
                return rnn(x)
        y = rnn(x)
        rnn.backward(np.ones_like(y))
        return y

    kept = call(xs[0])
    expected = kept.copy()
    column = call(xs[1])[:, 2]  # only a slice of these outputs survives
    expected_column = column.copy()
    for x in xs[2:]:
        fresh = call(x)
        assert not np.shares_memory(fresh, kept) and not np.shares_memory(fresh, column)
        del fresh
    np.testing.assert_array_equal(kept, expected)
    np.testing.assert_array_equal(column, expected_column)


def test_the_states_buffer_is_reused_once_no_view_of_it_is_alive(rng):
    # The training loop's pattern: the RNN's outputs live in the Linear's cache until its
    # backward, then nowhere: the next forward may write the same buffer.
    model = Sequential(RNN(3, 4, dtype=F64, rng=rng), Linear(4, 2, dtype=F64, rng=rng))
    loss_fn = tinyrnn.MSELoss()
    x, target = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 2))
    seen = []
    for _ in range(3):
        loss_fn(model(x), target)
        seen.append(address(model[1]._saved[-1]))  # the Linear's input: the RNN's outputs
        model.backward(loss_fn.backward())
    assert seen[0] == seen[1] == seen[2]


def test_reuse_check_sees_views_containers_and_their_release():
    from tinyrnn._reuse import only_referenced_by_caller

    array = np.empty(8)
    assert only_referenced_by_caller(array)
    view = array[2:].T  # a view of a view still keeps `array` alive
    assert not only_referenced_by_caller(array)
    del view
    assert only_referenced_by_caller(array)
    holder = {"kept": array}
    assert not only_referenced_by_caller(array)
    holder.clear()
    assert only_referenced_by_caller(array)
