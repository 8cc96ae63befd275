"""Property-based tests (hypothesis): MSELoss and CrossEntropyLoss over random shapes and values.

Empty inputs (0 positions) give a loss of 0.0 and an empty gradient, not NaN: see
docs/behaviour.md. Expected values come from the definitions, computed in float64.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinyrnn import CrossEntropyLoss, MSELoss, gradcheck

F32, F64 = np.float32, np.float64
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)
SMALL = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
# (..., classes): any leading axes (possibly empty), at least one class
LOGIT_SHAPES = st.builds(
    lambda leading, classes: leading + (classes,),
    hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4),
    st.integers(1, 5),
)


def floats(dtype, shape, bound):
    width = 32 if dtype == F32 else 64
    return hnp.arrays(dtype, shape, elements=st.floats(-bound, bound, width=width))


@settings(max_examples=200, deadline=None)
@given(
    st.data(),
    SHAPES,
    st.sampled_from([F32, F64]),
    st.sampled_from(["mean", "sum"]),
    st.floats(0.1, 3),
)
def test_mse_value_and_gradient(data, shape, dtype, reduction, scale):
    pred = data.draw(floats(dtype, shape, 100.0), label="pred")
    target = data.draw(floats(F64, shape, 100.0), label="target")
    loss_fn = MSELoss(reduction)
    loss = loss_fn(pred, target)
    assert isinstance(loss, float) and loss >= 0
    # The target converts to the prediction's dtype, so the reference rounds it the same way.
    diff = pred.astype(F64) - target.astype(dtype).astype(F64)
    count = max(diff.size, 1) if reduction == "mean" else 1
    rtol = 1e-5 if dtype == F32 else 1e-12
    np.testing.assert_allclose(loss, np.sum(diff**2) / count, rtol=rtol, atol=1e-12)
    grad = loss_fn.backward(scale)
    assert grad.shape == shape and grad.dtype == dtype
    np.testing.assert_allclose(grad, 2 * scale * diff / count, rtol=rtol, atol=1e-6 * rtol)


def _cross_entropy(logits, target):
    """-mean(log(exp(z_t) / sum(exp(z)))), for |z| small enough that exp cannot overflow."""
    e = np.exp(logits)
    picked = np.take_along_axis(e, target[..., None], axis=-1)[..., 0]
    return -np.mean(np.log(picked / e.sum(axis=-1))) if target.size else 0.0


@settings(max_examples=200, deadline=None)
@given(st.data(), LOGIT_SHAPES, st.sampled_from([F32, F64]))
def test_cross_entropy_value_and_gradient(data, shape, dtype):
    logits = data.draw(floats(dtype, shape, 30.0), label="logits")
    target = data.draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, shape[-1] - 1)))
    loss_fn = CrossEntropyLoss()
    loss = loss_fn(logits, target)
    assert isinstance(loss, float) and loss >= 0 and np.isfinite(loss)
    rtol = 1e-5 if dtype == F32 else 1e-12
    np.testing.assert_allclose(
        loss, _cross_entropy(logits.astype(F64), target), rtol=rtol, atol=rtol
    )
    grad = loss_fn.backward()
    assert grad.shape == shape and grad.dtype == dtype
    # dL/dz = (softmax(z) - one_hot(t)) / N: each position's row sums to 0, the target entry <= 0,
    # every other entry >= 0.
    positions = max(target.size, 1)
    np.testing.assert_allclose(grad.astype(F64).sum(axis=-1), 0.0, atol=10 * rtol / positions)
    picked = np.take_along_axis(grad, target[..., None], axis=-1)
    assert np.all(picked <= 0)
    others = grad.copy()
    np.put_along_axis(others, target[..., None], 0, axis=-1)
    assert np.all(others >= 0)


@settings(max_examples=80, deadline=None)
@given(st.data(), SMALL, st.sampled_from(["mean", "sum"]))
def test_mse_gradcheck(data, shape, reduction):
    pred = data.draw(floats(F64, shape, 5.0), label="pred")
    gradcheck(MSELoss(reduction), pred, data.draw(floats(F64, shape, 5.0), label="target"))


@settings(max_examples=80, deadline=None)
@given(st.data(), SMALL)
def test_cross_entropy_gradcheck(data, shape):
    logits = data.draw(floats(F64, shape, 10.0), label="logits")
    target = data.draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, shape[-1] - 1)))
    gradcheck(CrossEntropyLoss(), logits, target)
