"""The fused whole-sequence kernels against the step-by-step path (one cell call per step).

Both paths are checked against finite differences and PyTorch elsewhere; here they must agree
with each other to 1e-12 in float64 on every option, and share the layer's contracts (LIFO
caches, caller-owned outputs, dtypes).
"""

from __future__ import annotations

import numpy as np
import pytest
from step_cell import StepCell, step_twin, uses_fused_kernels

import tinyrnn
from tinyrnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

F64 = np.float64
TOL = 1e-12
KINDS = ["RNN-tanh", "RNN-relu", "LSTM", "GRU"]


def build(kind, inputs, hidden, dtype=F64, rng=None, **options):
    rng = rng if rng is not None else np.random.default_rng(0)
    if kind.startswith("RNN"):
        return RNN(inputs, hidden, nonlinearity=kind[4:], dtype=dtype, rng=rng, **options)
    return {"LSTM": LSTM, "GRU": GRU}[kind](inputs, hidden, dtype=dtype, rng=rng, **options)


def pair(kind, inputs, hidden, dtype=F64, rng=None, **options):
    """(fused, step-by-step) layers with the same weights and options."""
    fused = build(kind, inputs, hidden, dtype, rng, **options)
    step = RNN(cell=step_twin(fused.cell), **options)
    assert uses_fused_kernels(fused) and not uses_fused_kernels(step)
    return fused, step


def random_state(kind, rng, batch, hidden):
    h = rng.standard_normal((batch, hidden))
    return (h, rng.standard_normal((batch, hidden))) if kind == "LSTM" else h


def parts(state):
    return [state] if isinstance(state, np.ndarray) else list(state)


def run(layer, x, h0, upstream, grad_h_n=None, lengths=None, mask=None):
    """Forward and backward: every result that the two paths must agree on."""
    y = layer(x, h0, lengths=lengths, mask=mask)
    dx = layer.backward(upstream, grad_h_n)
    grads = [p.grad.copy() for p in layer.parameters()]
    return [y, *parts(layer.h_n), dx, *parts(layer.grad_h0), *grads]


def assert_same(got, expected, tol=TOL):
    assert len(got) == len(expected)
    for index, (a, b) in enumerate(zip(got, expected, strict=True)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"result {index}")


SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (3, 7, 2, 6), (1, 25, 4, 8)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize(
    "extras", ["none", "h0", "lengths", "grad_h_n", "mask", "mask+lengths", "go_backwards+mask"]
)
def test_fused_and_step_paths_agree(record_max, rng, kind, shape, bias, return_sequences, extras):
    batch, steps, inputs, hidden = shape
    options = {"go_backwards": True} if "go_backwards" in extras else {}
    fused, step = pair(
        kind, inputs, hidden, bias=bias, return_sequences=return_sequences, **options
    )
    x = rng.standard_normal((batch, steps, inputs))
    h0 = random_state(kind, rng, batch, hidden) if extras == "h0" else None
    lengths = rng.integers(1, steps + 1, batch) if "lengths" in extras else None
    mask = rng.random((batch, steps)) < 0.6 if "mask" in extras else None
    grad_h_n = random_state(kind, rng, batch, hidden) if extras == "grad_h_n" else None
    out_shape = (batch, steps, hidden) if return_sequences else (batch, hidden)
    upstream = rng.standard_normal(out_shape)
    expected = run(step, x, h0, upstream, grad_h_n, lengths, mask)
    got = run(fused, x, h0, upstream, grad_h_n, lengths, mask)
    assert_same(got, expected)
    record_max(
        f"{kind} fused vs step-by-step path, max abs difference",
        max(float(np.abs(a - b).max()) for a, b in zip(got, expected, strict=True)),
    )
    if kind != "RNN-relu" or hidden > 1:  # (a single relu unit may be dead throughout)
        assert any(np.any(g != 0) for g in got[-2:])  # not a vacuous comparison


@pytest.mark.parametrize("kind", KINDS)
def test_a_wide_batch_agrees(rng, kind):
    fused, step = pair(kind, 2, 600)
    x, upstream = rng.standard_normal((32, 3, 2)), rng.standard_normal((32, 3, 600))
    assert_same(run(fused, x, None, upstream), run(step, x, None, upstream))


def test_fused_kernels_run_for_exactly_the_built_in_cell_types():
    for cell in (RNNCell(2, 3), LSTMCell(2, 3), GRUCell(2, 3)):
        assert uses_fused_kernels(RNN(cell=cell))
    assert uses_fused_kernels(RNN(2, 3)) and uses_fused_kernels(LSTM(2, 3))
    assert not uses_fused_kernels(RNN(cell=StepCell(2, 3)))  # a subclass may change the step


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_two_forwards_then_two_backwards(rng, kind, return_sequences):
    fused, step = pair(kind, 3, 5, return_sequences=return_sequences)
    xs = [rng.standard_normal((2, 6, 3)) for _ in range(2)]
    ups = [rng.standard_normal((2, 6, 5) if return_sequences else (2, 5)) for _ in range(2)]
    expected = []
    for x, up in zip(xs, ups, strict=True):
        step.zero_grad()
        expected.append(run(step, x, None, up))
    y1, y2 = fused(xs[0]), fused(xs[1])
    np.testing.assert_allclose(y1, expected[0][0], atol=TOL)  # not overwritten by the second
    np.testing.assert_allclose(y2, expected[1][0], atol=TOL)
    dx2 = fused.backward(ups[1])  # last in, first out
    dx1 = fused.backward(ups[0])
    dx_index = 1 + len(parts(fused.h_n))
    np.testing.assert_allclose(dx2, expected[1][dx_index], atol=TOL)
    np.testing.assert_allclose(dx1, expected[0][dx_index], atol=TOL)
    for p, g0, g1 in zip(fused.parameters(), expected[0][-4:], expected[1][-4:], strict=True):
        np.testing.assert_allclose(p.grad, g0 + g1, atol=TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_calls_of_different_shapes_interleave(rng, kind):
    fused, step = pair(kind, 3, 4)
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 2, 3))
    ga, gb = rng.standard_normal((2, 5, 4)), rng.standard_normal((3, 2, 4))
    for layer in (fused, step):
        layer(a)
        layer(b)
        layer(a)
    for g in (ga, gb, ga):
        np.testing.assert_allclose(fused.backward(g), step.backward(g), atol=TOL)
    for p, q in zip(fused.parameters(), step.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, atol=TOL)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_outputs_belong_to_the_caller(rng, kind, return_sequences):
    """Writing into an output, h_n or a gradient changes nothing the layer needs, and no later
    call (training or no_grad) changes an array the layer has returned."""
    layer = build(kind, 3, 4, return_sequences=return_sequences)
    x, other = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 3))
    y = layer(x)
    upstream = rng.standard_normal(y.shape)
    clean_dx = layer.backward(upstream)
    clean = [p.grad.copy() for p in layer.parameters()]
    layer.zero_grad()
    y = layer(x)
    kept = y.copy()
    with tinyrnn.no_grad():
        layer(other)[...] = 7.0
    layer(other)  # a pending call of the same shape
    np.testing.assert_array_equal(y, kept)
    y[...] = 1e3
    for part in parts(layer.h_n):
        part[...] = 1e3
    layer.backward(upstream)  # the later call's backward
    layer.zero_grad()
    dx = layer.backward(upstream)
    np.testing.assert_array_equal(dx, clean_dx)
    for p, want in zip(layer.parameters(), clean, strict=True):
        np.testing.assert_array_equal(p.grad, want)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_float32_stays_float32(rng, kind, return_sequences):
    f32 = build(kind, 3, 6, dtype=np.float32, return_sequences=return_sequences)
    f64 = build(kind, 3, 6, return_sequences=return_sequences)
    f64.load_state_dict({k: v.astype(F64) for k, v in f32.state_dict().items()})
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    y = f32(x)
    upstream = rng.standard_normal(y.shape)  # float64: must not upcast anything
    dx = f32.backward(upstream)
    results = [y, dx, *parts(f32.grad_h0), *parts(f32.h_n), *(p.grad for p in f32.parameters())]
    assert all(a.dtype == np.float32 for a in results), [a.dtype for a in results]
    y64 = f64(x.astype(F64))
    dx64 = f64.backward(upstream)
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, dx64, rtol=1e-4, atol=1e-5)
    for p, q in zip(f32.parameters(), f64.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("path", ["fused", "step"])
def test_inputs_are_untouched_and_any_memory_order_gives_the_same(rng, kind, path):
    x, upstream = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    h0 = random_state(kind, rng, 2, 4)
    copies = [a.copy() for a in (x, upstream, *parts(h0))]
    results = []
    for order in ("C", "F"):
        layer = pair(kind, 3, 4)[0 if path == "fused" else 1]
        state = tuple(np.asarray(a, order=order) for a in parts(h0))
        arrays = [np.asarray(a, order=order) for a in (x, upstream)]
        results.append(run(layer, arrays[0], state if kind == "LSTM" else state[0], arrays[1]))
    assert_same(results[1], results[0], tol=0)
    for before, after in zip(copies, (x, upstream, *parts(h0)), strict=True):
        np.testing.assert_array_equal(before, after)
