"""RNN's fast path (fused kernels) against its general path (one cell call per step)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from step_cell import StepCell

import tinyrnn
from tinyrnn import RNN, RNNCell
from tinyrnn.functional import recurrent

F64 = np.float64
TOL = 1e-12


def pair(rng, inputs, hidden, dtype=F64, **options):
    """(fast, general) RNNs with the same weights and options."""
    cell_options = {k: options.pop(k) for k in ("bias", "nonlinearity") if k in options}
    fast = RNN(inputs, hidden, dtype=dtype, rng=rng, **cell_options, **options)
    general_cell = StepCell(inputs, hidden, dtype=dtype, **cell_options)
    general_cell.load_state_dict(fast.cell.state_dict())
    general = RNN(cell=general_cell, **options)
    assert fast._uses_fast_path() and not general._uses_fast_path()
    return fast, general


def run(layer, x, h0, upstream):
    """Forward and backward: every result that the two paths must agree on."""
    y = layer(x, h0)
    dx = layer.backward(upstream(y.shape) if callable(upstream) else upstream)
    grads = {name: p.grad.copy() for name, p in layer.named_parameters()}
    return y, layer.h_n.copy(), dx, layer.grad_h0, grads


def assert_close(a, b, tol=TOL):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def assert_same_results(got, expected, tol=TOL):
    y, h_n, dx, dh0, grads = got
    for name, a, b in zip(["y", "h_n", "dx", "dh0"], (y, h_n, dx, dh0), expected[:4], strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=name)
    assert grads.keys() == expected[4].keys()
    for name in grads:
        np.testing.assert_allclose(grads[name], expected[4][name], rtol=tol, atol=tol, err_msg=name)


SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (3, 7, 2, 6), (1, 25, 4, 8), (4, 3, 6, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("stepwise", [False, True], ids=["f'-first", "f'-stepwise"])
def test_fast_and_general_paths_agree(
    rng, monkeypatch, record_max, shape, nonlinearity, bias, return_sequences, with_h0, stepwise
):
    # BPTT takes f'(a) in one pass for small steps, step by step for large ones: test both.
    monkeypatch.setattr(recurrent, "STEPWISE_DERIVATIVE_SIZE", 1 if stepwise else 10**9)
    batch, steps, inputs, hidden = shape
    fast, general = pair(
        rng, inputs, hidden, nonlinearity=nonlinearity, bias=bias, return_sequences=return_sequences
    )
    x = rng.standard_normal((batch, steps, inputs))
    h0 = rng.standard_normal((batch, hidden)) if with_h0 else None
    out_shape = (batch, steps, hidden) if return_sequences else (batch, hidden)
    upstream = rng.standard_normal(out_shape)
    expected = run(general, x, h0, upstream)
    got = run(fast, x, h0, upstream)
    assert_same_results(got, expected)
    pairs = list(zip(got[:4], expected[:4], strict=True))
    pairs += [(got[4][name], expected[4][name]) for name in got[4]]
    record_max(
        "RNN fast vs general path, max abs difference", max(np.abs(a - b).max() for a, b in pairs)
    )
    assert any(np.any(g != 0) for g in got[4].values())  # not a vacuous comparison


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_a_wide_batch_takes_the_stepwise_derivative_and_agrees(rng, nonlinearity):
    batch, hidden = 32, 512  # batch * hidden reaches STEPWISE_DERIVATIVE_SIZE unpatched
    assert batch * hidden >= recurrent.STEPWISE_DERIVATIVE_SIZE
    fast, general = pair(rng, 2, hidden, nonlinearity=nonlinearity)
    x, h0 = rng.standard_normal((batch, 3, 2)), rng.standard_normal((batch, hidden))
    upstream = rng.standard_normal((batch, 3, hidden))
    assert_same_results(run(fast, x, h0, upstream), run(general, x, h0, upstream))


def test_fast_path_is_chosen_only_for_built_in_cells(rng):
    assert RNN(2, 3)._uses_fast_path()
    assert RNN(cell=RNNCell(2, 3))._uses_fast_path()
    assert not RNN(cell=StepCell(2, 3))._uses_fast_path()


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("batch, bias", [(2, True), (1, True), (1, False)])
def test_two_forwards_then_two_backwards_reuse_no_cached_buffer(rng, return_sequences, batch, bias):
    # Same shape twice: any scratch reused across calls must not be part of a pending cache.
    fast, general = pair(rng, 3, 5, return_sequences=return_sequences, bias=bias)
    xs = [rng.standard_normal((batch, 6, 3)) for _ in range(2)]
    shape = (batch, 6, 5) if return_sequences else (batch, 5)
    ups = [rng.standard_normal(shape) for _ in range(2)]
    expected = []
    for x, up in zip(xs, ups, strict=True):
        general.zero_grad()
        expected.append(run(general, x, None, up))
    y1, y2 = fast(xs[0]), fast(xs[1])
    assert_close(y1, expected[0][0])  # the second forward did not overwrite the first output
    assert_close(y2, expected[1][0])
    dx2 = fast.backward(ups[1])  # last in, first out
    assert_close(dx2, expected[1][2])
    assert_close(fast.grad_h0, expected[1][3])
    dx1 = fast.backward(ups[0])
    assert_close(dx1, expected[0][2])
    assert_close(fast.grad_h0, expected[0][3])
    assert_close(dx2, expected[1][2])  # the second backward did not overwrite the first dx
    for name, p in fast.named_parameters():
        assert_close(p.grad, expected[0][4][name] + expected[1][4][name])
    # Finished calls hand their buffers to later forwards: nothing returned may live there.
    kept = [a.copy() for a in (y1, y2, dx1, dx2)]
    fast(rng.standard_normal((batch, 6, 3)))
    with tinyrnn.no_grad():
        fast(rng.standard_normal((batch, 6, 3)))
    for before, after in zip(kept, (y1, y2, dx1, dx2), strict=True):
        np.testing.assert_array_equal(before, after)


def test_calls_of_different_shapes_interleave(rng):
    fast, general = pair(rng, 3, 4)
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 2, 3))
    ga, gb = rng.standard_normal((2, 5, 4)), rng.standard_normal((3, 2, 4))
    fast(a)
    fast(b)
    fast(a)
    dxs = [fast.backward(ga), fast.backward(gb), fast.backward(ga)]
    general(a)
    general(b)
    general(a)
    for dx, g in zip(dxs, [ga, gb, ga], strict=True):
        assert_close(dx, general.backward(g))
    for (_, p), (_, q) in zip(fast.named_parameters(), general.named_parameters(), strict=True):
        assert_close(p.grad, q.grad)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_no_grad_forward_between_forward_and_backward(rng, return_sequences):
    fast, _ = pair(rng, 3, 4, return_sequences=return_sequences)
    x, other = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 3))
    y = fast(x)
    upstream = rng.standard_normal(y.shape)
    expected_dx = fast.backward(upstream)
    expected = {name: p.grad.copy() for name, p in fast.named_parameters()}
    fast.zero_grad()
    kept = fast(x)
    with tinyrnn.no_grad():
        scratch = fast(other)  # same shape: shares any reusable buffer with the pending call
        scratch[...] = 7.0
        fast(rng.standard_normal((4, 2, 3)))
    np.testing.assert_array_equal(kept, y)
    np.testing.assert_array_equal(fast.backward(upstream), expected_dx)
    for name, p in fast.named_parameters():
        np.testing.assert_array_equal(p.grad, expected[name])


@pytest.mark.parametrize("batch", [1, 3])  # batch 1: time-major and batch-first coincide
def test_outputs_are_read_only_and_gradients_share_no_memory_with_caches_or_scratch(rng, batch):
    fast, _ = pair(rng, 3, 4)
    x = rng.standard_normal((batch, 5, 3))
    y = fast(x)
    cached = [a for a in fast._saved[-1][1:] if isinstance(a, np.ndarray)]
    assert not y.flags.writeable  # a view of the cached states (no copy), so read-only
    assert not any(np.shares_memory(fast.h_n, a) for a in cached)
    dx = fast.backward(np.ones_like(y))
    for array in (dx, fast.grad_h0):
        assert not np.shares_memory(array, fast._fused.grad_a)
    assert not any(np.shares_memory(fast(x), a) for a in (y, dx, fast.grad_h0))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_float32_stays_float32(rng, nonlinearity, return_sequences):
    f32, f64 = pair(rng, 3, 6, dtype=np.float32, nonlinearity=nonlinearity)
    f32.return_sequences = return_sequences
    ref = RNN(3, 6, dtype=F64, nonlinearity=nonlinearity, return_sequences=return_sequences)
    ref.cell.load_state_dict({k: v.astype(F64) for k, v in f32.cell.state_dict().items()})
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    h0 = rng.standard_normal((4, 6)).astype(np.float32)
    y = f32(x, h0)
    cached = [item for item in f32._saved[-1][1:] if isinstance(item, np.ndarray)]
    assert all(a.dtype == np.float32 for a in cached if a.dtype.kind == "f")
    upstream = rng.standard_normal(y.shape).astype(np.float32)
    dx = f32.backward(upstream)
    results = [y, dx, f32.grad_h0, f32.h_n, f32._fused.grad_a] + [p.grad for p in f32.parameters()]
    assert all(a.dtype == np.float32 for a in results), [a.dtype for a in results]
    # And float32 computes the float64 result to float32 precision.
    y64 = ref(x.astype(F64), h0.astype(F64))
    dx64 = ref.backward(upstream.astype(F64))
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, dx64, rtol=1e-4, atol=1e-5)
    for p, q in zip(f32.parameters(), ref.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-4, atol=1e-5)


def test_a_float64_gradient_into_a_float32_layer_is_not_upcast(rng):
    rnn = RNN(3, 4, dtype=np.float32, rng=rng)
    y = rnn(rng.standard_normal((2, 5, 3)))
    assert rnn.backward(np.ones(y.shape)).dtype == np.float32
    assert rnn.grad_h0.dtype == np.float32


def test_kernels_leave_their_inputs_untouched(rng):
    fast, _ = pair(rng, 3, 4)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    upstream = rng.standard_normal((2, 5, 4))
    copies = [a.copy() for a in (x, h0, upstream)]
    fast(x, h0)
    fast.backward(upstream)
    for before, after in zip(copies, (x, h0, upstream), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("path", ["fast", "general"])
def test_fortran_ordered_inputs_and_states(rng, path):
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    upstream = rng.standard_normal((2, 5, 4))
    results = []
    for order in ("C", "F"):  # a fresh layer each time: no buffer left over from another call
        layer = pair(np.random.default_rng(0), 3, 4)[0 if path == "fast" else 1]
        arrays = [np.asarray(a, order=order) for a in (x, h0, upstream)]
        results.append(run(layer, *arrays))
    assert_same_results(results[1], results[0], tol=0)
    layer = pair(np.random.default_rng(0), 3, 4)[0 if path == "fast" else 1]
    y = layer(np.asfortranarray(x), np.asfortranarray(h0), lengths=[5, 2])
    assert_close(y[0], results[0][0][0])


def test_a_deep_copy_shares_no_buffers_and_computes_the_same(rng):
    fast, _ = pair(rng, 3, 4)
    x, upstream = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    fast(x)
    fast.backward(upstream)  # the layer now holds reusable buffers
    clone = copy.deepcopy(fast)
    assert clone._fused.spare is None and clone._fused.grad_a is None
    np.testing.assert_array_equal(clone(x), fast(x))
    np.testing.assert_array_equal(clone.backward(upstream), fast.backward(upstream))
