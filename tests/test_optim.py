"""Optimizers without torch: hyperparameter checks, first-step rules, groups, dtype, allocations."""

from __future__ import annotations

import numpy as np
import pytest
from memory_growth import measure

import tinyrnn
from tinyrnn import Parameter
from tinyrnn.optim import SGD, Adagrad, Adam, Optimizer, RMSprop

BAD = [
    (SGD, dict(lr=-0.1), "SGD: invalid learning rate"),
    (SGD, dict(lr=float("nan")), "SGD: invalid learning rate"),
    (SGD, dict(lr=0.1, momentum=-0.5), "SGD: invalid momentum"),
    (SGD, dict(lr=0.1, weight_decay=-1.0), "SGD: invalid weight_decay"),
    (SGD, dict(lr=0.1, nesterov=True), "SGD: Nesterov"),
    (SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "SGD: Nesterov"),
    (Adam, dict(lr=-1e-3), "Adam: invalid learning rate"),
    (Adam, dict(eps=-1e-8), "Adam: invalid epsilon"),
    (Adam, dict(betas=(1.0, 0.999)), "Adam: invalid beta parameter at index 0"),
    (Adam, dict(betas=(0.9, -0.1)), "Adam: invalid beta parameter at index 1"),
    (Adam, dict(betas=(0.9, 0.99, 0.9)), r"Adam: betas must be a list of 2 numbers, got \("),
    (Adam, dict(weight_decay=-0.1), "Adam: invalid weight_decay"),
    (Adagrad, dict(lr=-0.1), "Adagrad: invalid learning rate"),
    (Adagrad, dict(lr_decay=-0.1), "Adagrad: invalid lr_decay"),
    (Adagrad, dict(weight_decay=-0.1), "Adagrad: invalid weight_decay"),
    (Adagrad, dict(initial_accumulator_value=-0.1), "Adagrad: invalid initial_accumulator"),
    (Adagrad, dict(eps=-1.0), "Adagrad: invalid epsilon"),
    (RMSprop, dict(lr=-0.1), "RMSprop: invalid learning rate"),
    (RMSprop, dict(alpha=-0.1), "RMSprop: invalid alpha"),
    (RMSprop, dict(eps=-1.0), "RMSprop: invalid epsilon"),
    (RMSprop, dict(weight_decay=-0.1), "RMSprop: invalid weight_decay"),
    (RMSprop, dict(momentum=-0.1), "RMSprop: invalid momentum"),
]

# Options that switch on every branch of each update rule (used by several tests).
FULL = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (Adam, dict(lr=0.01, weight_decay=0.01)),
    (Adam, dict(lr=0.01, betas=(0.2, 0.3))),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    (RMSprop, dict(lr=0.01, weight_decay=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01, alpha=0.3)),
]


def _params(rng, shapes=((4, 3), (5,)), dtype=np.float64):
    return [Parameter(rng.standard_normal(shape), dtype=dtype) for shape in shapes]


@pytest.mark.parametrize("cls, options, message", BAD)
def test_bad_hyperparameters_raise_value_error_naming_the_optimizer(rng, cls, options, message):
    with pytest.raises(ValueError, match=message):
        cls(_params(rng), **options)
    ok = {"lr": 0.1} if cls is SGD else {}
    with pytest.raises(ValueError, match=message):  # the same check guards every group
        cls(_params(rng), **ok).add_param_group({"params": _params(rng), **options})


@pytest.mark.parametrize(
    "cls, options", [(SGD, dict(lr="0.1")), (SGD, dict(lr=0.1, nesterov="yes")),
                     (RMSprop, dict(centered=None)), (Adam, dict(betas=0.9))],
)  # fmt: skip
def test_hyperparameters_of_the_wrong_type_raise_type_error(rng, cls, options):
    with pytest.raises(TypeError, match=cls.__name__):
        cls(_params(rng), **options)


def test_parameter_lists_are_checked(rng):
    params = _params(rng)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="expected Parameters, got ndarray"):
        SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match="more than one group"):
        SGD([{"params": params}, {"params": params[:1]}], lr=0.1)
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        SGD([{"params": params, "betas": (0.9, 0.9)}], lr=0.1)
    assert len(SGD(params + params[:1], lr=0.1).param_groups[0]["params"]) == 2  # deduplicated


def test_first_steps_follow_the_textbook_rules(rng):
    """One step from zero state, each rule written out independently of the implementation."""
    grad = rng.standard_normal((3, 4))
    for cls, options, expected_step in [
        (SGD, dict(lr=0.1), 0.1 * grad),
        (SGD, dict(lr=0.1, momentum=0.9), 0.1 * grad),  # the buffer starts at the gradient
        (Adam, dict(lr=0.01, eps=0.0), 0.01 * np.sign(grad)),  # bias-corrected m/sqrt(v)
        (Adagrad, dict(lr=0.1, eps=0.0), 0.1 * np.sign(grad)),
        (
            Adagrad,
            dict(lr=0.1, initial_accumulator_value=1.0, eps=0.0),
            0.1 * grad / np.hypot(1, grad),
        ),
        (RMSprop, dict(lr=0.01, alpha=0.9), 0.01 * grad / (np.sqrt(0.1 * grad**2) + 1e-8)),
    ]:
        param = Parameter(np.ones((3, 4)))
        param.grad[...] = grad
        cls([param], **options).step()
        np.testing.assert_allclose(1.0 - param.data, expected_step, rtol=1e-12, atol=1e-15)


def test_sgd_momentum_and_nesterov_second_step(rng):
    g1, g2 = rng.standard_normal(5), rng.standard_normal(5)
    for nesterov in (False, True):
        param = Parameter(np.zeros(5))
        optimizer = SGD([param], lr=0.5, momentum=0.9, nesterov=nesterov)
        for grad in (g1, g2):
            param.grad[...] = grad
            optimizer.step()
        buffer1, buffer2 = g1, 0.9 * g1 + g2
        steps = (g1 + 0.9 * buffer1, g2 + 0.9 * buffer2) if nesterov else (buffer1, buffer2)
        np.testing.assert_allclose(param.data, -0.5 * (steps[0] + steps[1]), rtol=1e-14)


@pytest.mark.parametrize("cls, options", FULL)
def test_float32_stays_float32(rng, cls, options):
    params = _params(rng, dtype=np.float32)
    optimizer = cls(params, **options)
    for _ in range(3):
        for param in params:
            param.grad[...] = rng.standard_normal(param.shape)
        optimizer.step()
    assert all(p.data.dtype == np.float32 and np.isfinite(p.data).all() for p in params)
    arrays = [v for s in optimizer.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    assert len(arrays) >= (len(params) if options.get("momentum", cls is not SGD) else 0)
    assert all(a.dtype == np.float32 for a in arrays)


@pytest.mark.parametrize(
    "cls, options",
    FULL + [(SGD, dict(lr=0.1, momentum=0.9)), (SGD, dict(lr=0.1, momentum=0.9, nesterov=True))],
)  # without weight decay too, where the rules read `.grad` itself rather than a decayed copy
def test_steps_leave_the_gradients_untouched(rng, cls, options):
    params = _params(rng)
    optimizer = cls(params, **options)
    for _ in range(3):  # the first step creates the state, later ones update it
        for param in params:
            param.grad += rng.standard_normal(param.shape)  # accumulated, never zeroed
        grads = [param.grad.copy() for param in params]
        optimizer.step()
        for param, grad in zip(params, grads, strict=True):
            np.testing.assert_array_equal(param.grad, grad)


@pytest.mark.parametrize("cls, options", FULL)
def test_steps_allocate_no_arrays_after_the_first(rng, cls, options):
    params = _params(rng, shapes=((200, 100), (50, 50), (100,), (1,)))
    for param in params:
        param.grad[...] = rng.standard_normal(param.shape) * 1e-2
    optimizer = cls(params, **options)
    optimizer.step()  # creates the state and the scratch workspace
    growth = measure(optimizer.step, warmup=10, interval=100)
    # One temporary of the largest parameter would cost 160 kB; allow 4 kB for the Python
    # objects of a call (frames, floats: about 1.3 kB measured), and nothing kept: a leak grows
    # in every interval of 100 steps, a one-off (an interpreter cache filling) in one at most.
    assert min(growth.per_interval) <= 256, f"memory grew by {growth.per_interval} bytes"
    assert growth.peak <= 4096, f"a step allocated {growth.peak} bytes at its peak"


def test_groups_added_later_and_closure(rng):
    first, second = _params(rng), _params(rng)
    optimizer = Adam(first, lr=0.1)
    for param in first + second:
        param.grad[...] = 1.0
    assert optimizer.step(lambda: 1.5) == 1.5
    before = [p.data.copy() for p in first + second]
    optimizer.add_param_group({"params": second, "lr": 0.2})
    optimizer.step()
    moved = [np.abs(p.data - b).max() for p, b in zip(first + second, before, strict=True)]
    np.testing.assert_allclose(moved, [0.1, 0.1, 0.2, 0.2], rtol=1e-6)
    optimizer.zero_grad()
    assert all(not p.grad.any() for p in first + second)


def test_exports_and_repr(rng):
    assert tinyrnn.Adagrad is Adagrad and tinyrnn.RMSprop is RMSprop
    optimizer = RMSprop(_params(rng), lr=0.5, centered=True)
    assert isinstance(optimizer, Optimizer)
    text = repr(optimizer)
    assert text.startswith("RMSprop (") and "lr: 0.5" in text and "centered: True" in text


def test_state_can_be_replaced_and_groups_edited(rng):
    params = _params(rng)
    optimizer = Adam([{"params": params[:1], "betas": [0.5, 0.6]}, {"params": params[1:]}])
    optimizer.step()
    optimizer.step()
    assert optimizer.state[params[0]]["step"] == 2
    optimizer.state = {}  # forget everything: the next step starts afresh
    optimizer.step()
    assert optimizer.state[params[0]]["step"] == 1
    extra = _params(rng)[0]
    optimizer.param_groups[1]["params"].append(extra)  # edited in place, as torch users do
    optimizer.step()
    assert optimizer.state[extra]["step"] == 1 and optimizer.state[params[1]]["step"] == 2
