"""Gradient clipping without torch: the scaling rule, the returned norm and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinyrnn
from tinyrnn import Parameter
from tinyrnn.optim import clip_grad_norm, clip_grad_value


def _with_grads(*grads):
    params = []
    for grad in grads:
        param = Parameter(np.zeros(np.shape(grad)))
        param.grad[...] = grad
        params.append(param)
    return params


def test_clip_grad_norm_scales_all_gradients_together():
    params = _with_grads([3.0, 0.0], [[4.0]])  # joint 2-norm 5
    total = clip_grad_norm(params, 1.0)
    assert type(total) is float and total == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_array_equal(params[0].grad, [3.0 * scale, 0.0])
    np.testing.assert_array_equal(params[1].grad, [[4.0 * scale]])


def test_clip_grad_norm_leaves_small_gradients_alone_and_accepts_any_iterable():
    params = _with_grads([0.3, -0.4])
    assert clip_grad_norm(iter(params), 0.5 + 1e-6) == pytest.approx(0.5, rel=1e-15)
    np.testing.assert_array_equal(params[0].grad, [0.3, -0.4])  # coefficient clamped at 1
    assert clip_grad_norm(params[0], 10.0, norm_type=math.inf) == 0.4  # a single Parameter
    assert clip_grad_norm([], 1.0) == 0.0
    assert tinyrnn.clip_grad_norm is clip_grad_norm


def test_clip_grad_norm_other_orders():
    params = _with_grads([1.0, -2.0], [2.0])
    assert clip_grad_norm(params, 100.0, norm_type=1.0) == 5.0
    assert clip_grad_norm(params, 100.0, norm_type=math.inf) == 2.0
    assert clip_grad_norm(params, 100.0, norm_type="inf") == 2.0  # type: ignore[arg-type]
    total = clip_grad_norm(params, 1.0, norm_type=math.inf)
    np.testing.assert_allclose(params[0].grad, np.array([1.0, -2.0]) / (total + 1e-6))


def test_clip_grad_norm_nonfinite():
    params = _with_grads([1.0, math.inf])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[0].grad, [1.0, math.inf])
    assert clip_grad_norm(params, 1.0) == math.inf  # scaled by 0: inf * 0 is NaN, as in torch
    np.testing.assert_array_equal(params[0].grad, [0.0, math.nan])
    params = _with_grads([1.0, math.nan])
    assert math.isnan(clip_grad_norm(params, 1.0, norm_type=math.inf))
    assert np.isnan(params[0].grad).all()


@pytest.mark.parametrize("max_norm", [-1.0, math.nan, "1"])
def test_clip_grad_norm_rejects_bad_max_norm(max_norm):
    with pytest.raises(ValueError, match="clip_grad_norm: max_norm"):
        clip_grad_norm(_with_grads([1.0]), max_norm)


def test_clip_grad_norm_rejects_torch_argument_order():
    with pytest.raises(TypeError, match="pass norm_type by keyword"):
        clip_grad_norm(_with_grads([1.0]), 1.0, 2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected Parameters"):
        clip_grad_norm([np.ones(2)], 1.0)  # type: ignore[list-item]


def test_clip_grad_value():
    params = _with_grads([-3.0, 0.5, 2.0, math.nan])
    clip_grad_value(params, 1.0)
    np.testing.assert_array_equal(params[0].grad, [-1.0, 0.5, 1.0, math.nan])
    for bad in (-0.1, math.nan):
        with pytest.raises(ValueError, match="clip_grad_value: clip_value"):
            clip_grad_value(params, bad)
