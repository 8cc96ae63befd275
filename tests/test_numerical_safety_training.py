"""Numerical safety in training: gradient clipping at extreme scales, and non-finite losses or
gradients stopping `fit` before they reach the parameters.

Every test runs under `np.errstate(all="raise")` (the autouse fixture).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinyrnn import SGD, Linear, Module, MSELoss, Parameter, Sequential, clip_grad_norm
from tinyrnn.training import NonFiniteLossError, fit

F32, F64 = np.float32, np.float64


@pytest.fixture(autouse=True)
def raise_on_floating_point_errors():
    with np.errstate(all="raise"):
        yield


def with_grads(*grads):
    params = [Parameter(np.zeros_like(g)) for g in grads]
    for param, grad in zip(params, grads, strict=True):
        param.grad[...] = grad
    return params


def reference_norm(arrays):
    """The 2-norm in float64 after scaling by the largest entry (no overflow, no underflow)."""
    flat = np.concatenate([a.astype(F64).reshape(-1) for a in arrays])
    largest = np.max(np.abs(flat), initial=0.0)
    if largest == 0:
        return 0.0
    with np.errstate(under="ignore"):
        return largest * float(np.sqrt(np.sum((flat / largest) ** 2)))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([F32, F64]),
    st.lists(hnp.array_shapes(max_dims=2, min_side=0, max_side=4), min_size=1, max_size=3),
    st.integers(-30, 30),
    st.floats(1e-3, 1e3),
    st.data(),
)
def test_clipping_keeps_the_norm_at_most_max_norm(dtype, shapes, exponent, max_norm, data):
    # Entries 0 or of magnitude in [2^-10, 1], times 10^exponent: no subnormal inputs.
    magnitude = st.floats(2**-10, 1, width=32 if dtype == F32 else 64)
    unit = st.one_of(st.just(0.0), magnitude, magnitude.map(lambda v: -v))
    grads = [data.draw(hnp.arrays(dtype, s, elements=unit)) * dtype(10.0**exponent) for s in shapes]
    before = reference_norm(grads)
    params = with_grads(*grads)
    total = clip_grad_norm(params, max_norm)
    assert math.isfinite(total)
    np.testing.assert_allclose(total, before, rtol=1e-5)
    after = reference_norm([p.grad for p in params])
    assert after <= max_norm * (1 + 1e-5)
    # PyTorch's factor min(max_norm / (norm + 1e-6), 1): one for all, so the direction is kept.
    factor = max_norm / (before + 1e-6)
    for param, grad in zip(params, grads, strict=True):
        if factor >= 1:  # nothing to clip: untouched
            np.testing.assert_array_equal(param.grad, grad)
        else:
            np.testing.assert_allclose(param.grad, grad * factor, rtol=1e-5, atol=0)


@pytest.mark.parametrize("dtype, value", [(F32, 1e20), (F32, 3e38), (F64, 1e160), (F32, 1e-30)])
def test_clipping_huge_or_tiny_finite_gradients_is_not_clipping_to_zero(dtype, value):
    params = with_grads(np.full(4, value, dtype), np.full((2, 2), -value, dtype))
    total = clip_grad_norm(params, 1.0)
    np.testing.assert_allclose(total, np.sqrt(8) * value, rtol=1e-6)
    expected = 1 / np.sqrt(8) if total > 1 else value  # 8 entries of equal size share the norm
    for param in params:
        np.testing.assert_allclose(np.abs(param.grad), expected, rtol=1e-5)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_nonfinite_gradient_is_reported_and_left_alone(bad, norm_type):
    grads = [np.array([1.0, 2.0]), np.array([[0.5, bad]])]
    params = with_grads(*grads)
    with pytest.raises(RuntimeError, match="clip_grad_norm: the total norm .* is non-finite"):
        clip_grad_norm(params, 1.0, error_if_nonfinite=True, norm_type=norm_type)
    for param, grad in zip(params, grads, strict=True):
        np.testing.assert_array_equal(param.grad, grad)


# ------------------------------------------------------------------ fit: non-finite losses
class SqrtOfSquare(Module):
    """y = sqrt(x^2 + 0) = |x| with the derivative x / sqrt(x^2): 0/0 = NaN at x = 0.

    A custom layer with a singular derivative: a finite loss with non-finite gradients.
    """

    def forward(self, x):
        y = np.sqrt(x * x)
        self.save_for_backward((x, y))
        return y

    def backward(self, grad_output):
        x, y = self.pop_saved()
        with np.errstate(invalid="ignore", divide="ignore"):
            return grad_output * x / y


def make_run(seed=0):
    rng = np.random.default_rng(seed)
    # No bias in the first layer: an input of zeros gives exactly 0 into SqrtOfSquare.
    first = Linear(2, 3, bias=False, dtype=F64, rng=rng)
    model = Sequential(first, SqrtOfSquare(), Linear(3, 1, dtype=F64, rng=rng))
    return model, MSELoss(), SGD(model.parameters(), lr=0.1, momentum=0.9)


def batches(bad_step, kind):
    rng = np.random.default_rng(1)
    data = [(rng.standard_normal((4, 2)), rng.standard_normal((4, 1))) for _ in range(3)]
    x, y = data[bad_step - 1]
    if kind == "nan input":
        x[2, 1] = np.nan
    elif kind == "inf target":
        y[0, 0] = np.inf
    else:  # "nan gradient": the first layer's output is exactly 0 (0/0 in SqrtOfSquare)
        x[:] = 0.0
    return data


@pytest.mark.parametrize("kind", ["nan input", "inf target", "nan gradient"])
@pytest.mark.parametrize("clip", [None, 1.0])
@pytest.mark.parametrize("bad_step", [1, 3])
def test_fit_stops_on_a_nonfinite_step_with_parameters_unchanged(kind, clip, bad_step):
    model, loss_fn, optimizer = make_run()
    data = batches(bad_step, kind)
    twin, twin_loss, twin_optimizer = make_run()
    twin.load_state_dict(model.state_dict())
    for x, y in data[: bad_step - 1]:  # the steps before the bad one, by hand
        twin_optimizer.zero_grad()
        twin_loss(twin(x), y)
        twin.backward(twin_loss.backward())
        if clip is not None:
            clip_grad_norm(twin.parameters(), clip)
        twin_optimizer.step()
    if kind == "nan gradient":
        expected = pytest.raises(NonFiniteLossError, match=f"epoch 1, step {bad_step};")
    else:  # bad data is caught by fit's data check, as the batch is drawn
        name = "inputs contain NaN" if kind == "nan input" else "targets contain an infinite"
        expected = pytest.raises(ValueError, match=f"training {name}.* of batch {bad_step} of")
    with expected:
        fit(model, loss_fn, optimizer, data, epochs=1, clip_grad_norm=clip, log=lambda _: None)
    for (name, p), q in zip(model.named_parameters(), twin.parameters(), strict=True):
        assert np.all(np.isfinite(p.data)), name
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    momentum = optimizer.state_dict()["state"]
    expected = twin_optimizer.state_dict()["state"]
    assert momentum.keys() == expected.keys()
    for key in momentum:
        for name in momentum[key]:
            np.testing.assert_array_equal(momentum[key][name], expected[key][name])
    assert all(m.pending_backwards == 0 for m in model.modules()) and loss_fn.pending_backwards == 0
