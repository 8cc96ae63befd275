"""Parity with PyTorch (float64, 1e-10): optimizers over many steps, and gradient clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinyrnn import Parameter
from tinyrnn.optim import SGD, Adagrad, Adam, RMSprop, clip_grad_norm, clip_grad_value

torch = pytest.importorskip("torch")

TOL = 1e-10
SHAPES = [(4, 3), (5,), (2, 3, 2), (1,)]
STEPS = 25

CONFIGS = [
    (SGD, torch.optim.SGD, dict(lr=0.1)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (Adam, torch.optim.Adam, dict()),
    (Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    (Adam, torch.optim.Adam, dict(lr=0.02, betas=(0.3, 0.7), weight_decay=0.05)),
    (Adam, torch.optim.Adam, dict(lr=0.02, betas=(0.0, 0.5), eps=1e-3)),
    (Adagrad, torch.optim.Adagrad, dict()),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.05)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.05, lr_decay=0.01, eps=1e-3, weight_decay=0.02)),
    (RMSprop, torch.optim.RMSprop, dict()),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.9, weight_decay=0.05)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True, alpha=0.8)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.005, centered=True, momentum=0.5, weight_decay=0.1)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.3, momentum=0.2)),  # lerp's other form
]


def _ids(config):
    ours, _, options = config
    return ours.__name__ + "-" + "-".join(f"{k}={v}" for k, v in options.items())


def _pair(rng, shapes=SHAPES):
    values = [rng.standard_normal(shape) for shape in shapes]
    ours = [Parameter(v) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    return ours, theirs


def _run(ours_opt, theirs_opt, ours, theirs, rng, steps, check):
    for step in range(steps):
        for mine, their in zip(ours, theirs, strict=True):
            grad = rng.standard_normal(mine.shape) * (0.01 if step % 3 else 3.0)
            mine.grad[...] = grad
            their.grad = torch.tensor(grad)
        ours_opt.step()
        theirs_opt.step()
        for mine, their in zip(ours, theirs, strict=True):
            check(mine.data, their.detach().numpy())


@pytest.fixture
def close(record_max):
    def check(name):
        def compare(ours, theirs):
            error = float(np.max(np.abs(ours - theirs)))
            record_max(f"optimizer parity max abs error ({name})", error)
            assert error <= TOL, f"{name}: max abs error {error:.3g}"

        return compare

    return check


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_optimizer_matches_torch(config, rng, close):
    ours_cls, theirs_cls, options = config
    ours, theirs = _pair(rng)
    ours_opt = ours_cls(ours, **options)
    theirs_opt = theirs_cls(theirs, foreach=False, **options)
    _run(ours_opt, theirs_opt, ours, theirs, rng, STEPS, close(ours_cls.__name__))


@pytest.mark.parametrize("config", [c for c in CONFIGS if c[2]], ids=_ids)
def test_param_groups_with_their_own_lr(config, rng, close):
    ours_cls, theirs_cls, options = config
    ours, theirs = _pair(rng)
    lr = options.get("lr", 0.01)
    ours_opt = ours_cls([{"params": ours[:2]}, {"params": ours[2:], "lr": lr / 3}], **options)
    theirs_opt = theirs_cls(
        [{"params": theirs[:2]}, {"params": theirs[2:], "lr": lr / 3}], foreach=False, **options
    )
    _run(ours_opt, theirs_opt, ours, theirs, rng, 20, close(ours_cls.__name__ + " groups"))


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_grads_are_left_as_torch_leaves_them_while_they_accumulate(config, rng, close):
    """No step writes into `.grad`: gradients summed over steps without zeroing stay equal to
    torch's (which its optimizers never touch), and the parameters follow torch's."""
    ours_cls, theirs_cls, options = config
    ours, theirs = _pair(rng)
    ours_opt = ours_cls(ours, **options)
    theirs_opt = theirs_cls(theirs, foreach=False, **options)
    compare = close(ours_cls.__name__ + " accumulated")
    for their in theirs:
        their.grad = torch.zeros_like(their)
    for _ in range(10):
        for mine, their in zip(ours, theirs, strict=True):
            grad = rng.standard_normal(mine.shape)
            mine.grad += grad  # no zero_grad: each step sees the sum so far
            their.grad += torch.from_numpy(grad)
        ours_opt.step()
        theirs_opt.step()
        for mine, their in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(mine.grad, their.grad.numpy())
            compare(mine.data, their.detach().numpy())


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(rng, record_max, norm_type, max_norm):
    ours, theirs = _pair(rng)
    for mine, their in zip(ours, theirs, strict=True):
        mine.grad[...] = rng.standard_normal(mine.shape)
        their.grad = torch.tensor(mine.grad)
    total = clip_grad_norm(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    errors = [abs(total - expected.item())]
    errors += [np.max(np.abs(m.grad - t.grad.numpy())) for m, t in zip(ours, theirs, strict=True)]
    record_max("clip_grad_norm parity max abs error", max(errors))
    assert max(errors) <= TOL


@pytest.mark.parametrize("bad", [math.nan, math.inf])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_nonfinite_matches_torch(rng, bad, norm_type):
    ours, theirs = _pair(rng)
    for mine, their in zip(ours, theirs, strict=True):
        mine.grad[...] = rng.standard_normal(mine.shape)
        their.grad = torch.tensor(mine.grad)
    ours[1].grad[2] = bad
    theirs[1].grad[2] = bad
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type, error_if_nonfinite=True)
    before = [p.grad.copy() for p in ours]
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm(ours, 1.0, True, norm_type=norm_type)
    for param, grad in zip(ours, before, strict=True):  # nothing was scaled
        np.testing.assert_array_equal(param.grad, grad)
    total = clip_grad_norm(ours, 1.0, norm_type=norm_type)  # error off: scaled like torch
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type)
    np.testing.assert_equal(total, expected.item())
    for mine, their in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine.grad, their.grad.numpy())


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 5.0])
def test_clip_grad_value_matches_torch(rng, clip_value):
    ours, theirs = _pair(rng)
    for mine, their in zip(ours, theirs, strict=True):
        mine.grad[...] = rng.standard_normal(mine.shape)
        their.grad = torch.tensor(mine.grad)
    ours[0].grad[0, 0] = math.nan
    theirs[0].grad[0, 0] = math.nan
    clip_grad_value(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for mine, their in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine.grad, their.grad.numpy())
