"""Property-based tests (hypothesis): Embedding and Dropout over random shapes, values and seeds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinyrnn import Dropout, Embedding, gradcheck

F32, F64 = np.float32, np.float64
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    SHAPES,
    st.integers(1, 6),
    st.integers(1, 4),
    st.sampled_from([F32, F64]),
    st.sampled_from([np.int8, np.int64, np.uint16]),
)
def test_embedding_lookup_and_scatter(data, shape, num, dim, dtype, index_dtype):
    layer = Embedding(num, dim, dtype=dtype, rng=np.random.default_rng(num * dim))
    indices = data.draw(hnp.arrays(index_dtype, shape, elements=st.integers(0, num - 1)))
    out = layer(indices)
    assert out.shape == shape + (dim,) and out.dtype == dtype
    for position in np.ndindex(*shape):
        np.testing.assert_array_equal(out[position], layer.weight.data[indices[position]])
    grad = data.draw(hnp.arrays(F64, out.shape, elements=st.floats(-10, 10)), label="grad")
    assert layer.backward(grad) is None
    # Every position adds its gradient row into the row it read (np.add.at: unbuffered).
    expected = np.zeros((num, dim))
    np.add.at(expected, indices.reshape(-1).astype(np.intp), grad.reshape(-1, dim))
    tol = 1e-5 if dtype == F32 else 1e-12
    np.testing.assert_allclose(layer.weight.grad, expected, rtol=tol, atol=tol)


@settings(max_examples=60, deadline=None)
@given(st.data(), hnp.array_shapes(min_dims=1, max_dims=2, max_side=3), st.integers(1, 4))
def test_embedding_gradcheck(data, shape, num):
    layer = Embedding(num, 2, dtype=F64, rng=np.random.default_rng(0))
    gradcheck(layer, data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, num - 1))))


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    SHAPES,
    st.floats(0.0, 1.0),
    st.sampled_from([F32, F64]),
    st.integers(0, 2**32 - 1),
)
def test_dropout_mask_scaling_and_backward(data, shape, p, dtype, seed):
    x = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-5, 5, width=32)), label="x")
    # Two layers on identically seeded generators draw the same mask: read it from the first
    # one's backward of ones (dy = 1 => dx = mask), then check the second one's forward/backward.
    probe, layer = (Dropout(p, rng=np.random.default_rng(seed)) for _ in range(2))
    probe(x)
    mask = probe.backward(np.ones(shape, dtype))
    assert mask.dtype == dtype
    scale = 0.0 if p == 1.0 else dtype(1.0 / (1.0 - p))  # 1 / (1 - p), rounded to the dtype
    assert np.all((mask == 0) | (mask == scale))
    y = layer(x)
    assert y.shape == shape and y.dtype == dtype
    np.testing.assert_array_equal(y, x * mask)
    grad = data.draw(hnp.arrays(F64, shape, elements=st.floats(-5, 5)), label="grad")
    dx = layer.backward(grad)
    assert dx.dtype == dtype  # a float64 gradient does not upcast
    np.testing.assert_array_equal(dx, grad.astype(dtype) * mask)
    layer.eval()  # evaluation: the identity, on a copy
    y = layer(x)
    np.testing.assert_array_equal(y, x)
    assert y is not x
    np.testing.assert_array_equal(layer.backward(grad), grad.astype(dtype))
