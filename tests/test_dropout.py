"""Dropout: statistics, scaling, eval identity, the mask reused by backward, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn.layers.dropout import Dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kept_fraction_and_scaling(p, dtype):
    layer = Dropout(p, rng=np.random.default_rng(1))
    x = np.ones((200, 1000), dtype=dtype)
    y = layer(x)
    assert y.dtype == dtype and y.shape == x.shape
    kept = y != 0
    # 200,000 Bernoulli(1 - p) draws: the standard error of the fraction is < 0.0012.
    assert abs(kept.mean() - (1 - p)) < 0.006
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1) < 0.03  # inverted dropout keeps the expectation


def test_eval_mode_is_identity_and_backward_passes_through(rng):
    layer = Dropout(0.7, rng=rng).eval()
    x = rng.standard_normal((3, 4, 5))
    y = layer(x)
    np.testing.assert_array_equal(y, x)
    assert y is not x
    grad = rng.standard_normal((3, 4, 5))
    np.testing.assert_array_equal(layer.backward(grad), grad)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_extreme_p(p, rng):
    x = rng.standard_normal((4, 5))
    y = Dropout(p, rng=rng)(x)
    np.testing.assert_array_equal(y, x if p == 0 else np.zeros_like(x))  # PyTorch: p=1 zeros all


def test_backward_uses_the_forward_mask_lifo(rng):
    layer = Dropout(0.5, rng=rng)
    x1, x2 = rng.uniform(1, 2, (6, 7)), rng.uniform(1, 2, (6, 7))
    y1, y2 = layer(x1), layer(x2)
    assert not np.array_equal(y1 != 0, y2 != 0)  # two calls, two masks
    ones = np.ones((6, 7))
    # y = x * mask, so dL/dx for dL/dy = 1 is the mask, y / x. Backward pops the latest first.
    np.testing.assert_allclose(layer.backward(ones), y2 / x2, rtol=1e-12)
    np.testing.assert_allclose(layer.backward(ones), y1 / x1, rtol=1e-12)


class _FixedMask(tinyrnn.Module):
    """Dropout whose generator is re-seeded before each call: every forward draws one mask."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.dropout = Dropout(p)

    def forward(self, x):
        self.dropout.rng = np.random.default_rng(7)
        return self.dropout(x)

    def backward(self, grad_output):
        return self.dropout.backward(grad_output)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_gradcheck_with_a_fixed_mask_and_in_eval(shape, rng):
    x = rng.standard_normal(shape)
    report = tinyrnn.gradcheck(_FixedMask(0.4), x)
    assert report.errors["input 0"] < 1e-8
    tinyrnn.gradcheck(Dropout(0.4).eval(), x)


def test_generator_determinism(rng):
    x = rng.standard_normal((10, 10))
    a = Dropout(0.3, rng=np.random.default_rng(5))(x)
    b = Dropout(0.3, rng=np.random.default_rng(5))(x)
    np.testing.assert_array_equal(a, b)
    # rng=None draws from the library generator current at call time, so seed() applies.
    layer = Dropout(0.3)
    tinyrnn.seed(11)
    c = layer(x)
    tinyrnn.seed(11)
    np.testing.assert_array_equal(layer(x), c)
    assert not np.array_equal(layer(x), c)


def test_no_grad_keeps_no_cache(rng):
    layer = Dropout(0.5, rng=rng)
    with tinyrnn.no_grad():
        for _ in range(5):
            layer(np.ones((2, 2)))
    assert layer.pending_backwards == 0


def test_integer_input_becomes_default_float():
    y = Dropout(0.0)(np.array([[1, 2]]))
    assert y.dtype == tinyrnn.get_default_dtype()


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_bad_p_is_a_value_error(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\]"):
        Dropout(p)


def test_bad_arguments():
    with pytest.raises(TypeError, match="Dropout"):
        Dropout("0.5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Dropout"):
        Dropout(0.5)(np.array(["x"]))
    layer = Dropout(0.5)
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout.backward: expected grad_output of shape"):
        layer.backward(np.ones((3, 2)))
