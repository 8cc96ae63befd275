"""Recurrent outputs belong to the caller: fresh arrays no later call changes; Linear accepts
any memory layout (a transposed view, say) with the same numbers."""

from __future__ import annotations

import subprocess
import sys

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
def test_outputs_are_fresh_arrays_the_caller_may_write(name, lengths, rng):
    layer = LAYERS[name](rng)
    x = rng.standard_normal((3, 5, 3))
    y = layer(x, lengths=lengths)
    if lengths is not None:  # padded steps are zeros, as PyTorch's pad_packed_sequence
        assert np.all(y[1, 2:] == 0) and np.all(y[2, 4:] == 0)
    g = rng.standard_normal(y.shape)
    expected_dx = layer.backward(g)
    layer(x, lengths=lengths)
    y[...] = 7.0  # the caller's own array: the pending backward does not read it
    np.testing.assert_array_equal(layer.backward(g), expected_dx)
    with tinyrnn.no_grad():
        free = layer(x, lengths=lengths)
    again = layer(x, lengths=lengths)
    assert not np.shares_memory(again, free)
    np.testing.assert_array_equal(again, free)


@pytest.mark.parametrize("name", list(LAYERS))
def test_padded_batch_gradients_equal_per_sample_runs(name, rng):
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


def test_outputs_kept_while_tinyrnn_was_imported_under_a_trace_function_stay_intact():
    """A debugger or profiler active during the import must not change what later calls do
    (an earlier design counted references and went wrong there on Python 3.10)."""
    script = """
import sys
sys.settrace(lambda *a: None)
import numpy as np, tinyrnn
sys.settrace(None)
for layer in (tinyrnn.RNN(3, 4), tinyrnn.LSTM(3, 4), tinyrnn.GRU(3, 4)):
    with tinyrnn.no_grad():
        kept = layer(np.ones((2, 5, 3)))[:, -1]
        before = kept.copy()
        layer(np.zeros((2, 5, 3)))
    assert np.array_equal(kept, before), type(layer).__name__
    kept = layer(np.ones((2, 5, 3)))[:, -1]
    before = kept.copy()
    layer.backward(np.ones((2, 5, 4)))
    layer(np.zeros((2, 5, 3)))
    assert np.array_equal(kept, before), type(layer).__name__
print("intact")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "intact"
