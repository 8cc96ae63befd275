"""Property-based tests (hypothesis): Linear, the activations, Softmax and Sequential.

Random leading shapes include empty axes (batch 0): feed-forward layers then return empty outputs
of the right shape and leave every parameter gradient at zero. Expected values are computed in
float64 from the definitions, independently of tinyrnn's kernels.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinyrnn
from tinyrnn import Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh, gradcheck

F32, F64 = np.float32, np.float64
TOL = {F32: 2e-5, F64: 1e-12}
LEADING = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def values(dtype, shape, bound=8.0):
    """Arrays of `dtype`: floats in [-bound, bound] (float32-representable), or small integers."""
    if np.dtype(dtype).kind == "i":
        return hnp.arrays(dtype, shape, elements=st.integers(-5, 5))
    width = 32 if dtype == F32 else 64
    return hnp.arrays(dtype, shape, elements=st.floats(-bound, bound, width=width))


def away_from_zero(shape):
    """float64 values with |x| >= 0.01: finite differences never straddle ReLU's kink."""
    magnitude = st.floats(0.01, 4.0)
    return hnp.arrays(F64, shape, elements=st.one_of(magnitude, magnitude.map(lambda v: -v)))


layer_dtypes = st.sampled_from([F32, F64])
input_dtypes = st.sampled_from([F32, F64, np.int64])


@settings(max_examples=200, deadline=None)
@given(st.data(), LEADING, st.integers(1, 4), st.integers(1, 4), st.booleans(), layer_dtypes)
def test_linear_shapes_values_and_gradients(data, leading, n_in, n_out, bias, dtype):
    layer = Linear(n_in, n_out, bias, dtype=dtype, rng=np.random.default_rng(0))
    x = data.draw(values(data.draw(input_dtypes), leading + (n_in,)), label="x")
    y = layer(x)
    assert y.shape == leading + (n_out,) and y.dtype == dtype  # inputs convert to the layer dtype
    w = layer.weight.data.astype(F64)
    b = layer.bias.data.astype(F64) if bias else 0.0
    x64 = x.astype(dtype).astype(F64)
    np.testing.assert_allclose(
        y, np.einsum("...i,oi->...o", x64, w) + b, rtol=TOL[dtype], atol=TOL[dtype] * 10
    )
    grad = data.draw(values(F64, y.shape), label="grad")
    dx = layer.backward(grad)
    assert dx.shape == x.shape and dx.dtype == dtype
    np.testing.assert_allclose(dx, grad @ w, rtol=TOL[dtype], atol=TOL[dtype] * 10)
    expected_dw = grad.reshape(-1, n_out).T @ x64.reshape(-1, n_in)  # summed over positions
    np.testing.assert_allclose(
        layer.weight.grad, expected_dw, rtol=TOL[dtype], atol=TOL[dtype] * 100
    )
    if bias:
        summed = grad.reshape(-1, n_out).sum(axis=0)
        np.testing.assert_allclose(layer.bias.grad, summed, rtol=TOL[dtype], atol=TOL[dtype] * 100)
    if x.size == 0:  # an empty batch contributes nothing
        assert all(not p.grad.any() for p in layer.parameters())


def _expected(kind, x, axis):
    """The activation's definition and its derivative's vector-Jacobian product, in float64."""
    if kind == "Tanh":
        y = np.tanh(x)
        return y, lambda g: g * (1 - y**2)
    if kind == "Sigmoid":
        y = 1 / (1 + np.exp(-x))
        return y, lambda g: g * y * (1 - y)
    if kind == "ReLU":
        return np.where(x > 0, x, 0.0), lambda g: np.where(x > 0, g, 0.0)
    e = np.exp(x)  # |x| <= 8: the unshifted definition cannot overflow here
    y = e / e.sum(axis=axis, keepdims=True) if x.size else e
    # J = diag(y) - y y^T along the axis, applied to g
    return y, lambda g: y * g - y * np.sum(y * g, axis=axis, keepdims=True)


ACTIVATIONS = {"Tanh": Tanh, "Sigmoid": Sigmoid, "ReLU": ReLU, "Softmax": Softmax}


@settings(max_examples=250, deadline=None)
@given(
    st.data(),
    st.sampled_from(list(ACTIVATIONS)),
    hnp.array_shapes(max_dims=3, min_side=0, max_side=5),
    input_dtypes,
)
def test_activation_shapes_dtypes_ranges_and_gradients(data, kind, shape, dtype):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    layer = Softmax(axis) if kind == "Softmax" else ACTIVATIONS[kind]()
    x = data.draw(values(dtype, shape), label="x")
    y = layer(x)
    # Float inputs keep their dtype (no parameters to match); integers become the default dtype.
    out_dtype = x.dtype if x.dtype.kind == "f" else tinyrnn.get_default_dtype()
    assert y.shape == shape and y.dtype == out_dtype
    expected, vjp = _expected(kind, x.astype(F64), axis)
    tol = TOL[F32] if out_dtype == F32 else TOL[F64]
    np.testing.assert_allclose(y, expected, rtol=tol, atol=tol)
    low, high = (
        (-1, 1) if kind == "Tanh" else (0, 1) if kind in ("Sigmoid", "Softmax") else (0, np.inf)
    )
    assert np.all((y >= low) & (y <= high))
    if kind == "Softmax" and y.size:
        np.testing.assert_allclose(y.astype(F64).sum(axis=axis), 1.0, rtol=0, atol=10 * tol)
    grad = data.draw(values(out_dtype, shape), label="grad")
    dx = layer.backward(grad)
    assert dx.shape == shape
    np.testing.assert_allclose(dx, vjp(grad.astype(F64)), rtol=10 * tol, atol=10 * tol)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.sampled_from(list(ACTIVATIONS)), hnp.array_shapes(max_dims=3, max_side=3))
def test_activation_gradcheck(data, kind, shape):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    layer = Softmax(axis) if kind == "Softmax" else ACTIVATIONS[kind]()
    gradcheck(layer, data.draw(away_from_zero(shape), label="x"))


@settings(max_examples=80, deadline=None)
@given(
    st.data(),
    st.lists(st.integers(1, 4), min_size=2, max_size=4),
    st.lists(st.sampled_from(["Tanh", "Sigmoid", "ReLU"]), min_size=3, max_size=3),
    hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
)
def test_sequential_mlp_gradcheck(data, sizes, activations, leading):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    layers = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers += [Linear(n_in, n_out, dtype=F64, rng=rng), ACTIVATIONS[activations[index]]()]
    model = Sequential(*layers)
    gradcheck(model, data.draw(away_from_zero(leading + (sizes[0],)), label="x"))
