"""One epoch of training, and evaluation: the inner loops `fit` is built from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np

from ..losses.loss import Loss
from ..module import Module, no_grad
from ..optim.clip import clip_grad_norm as clip_norm
from ..optim.optimizer import Optimizer
from ..parameter import Parameter

Batches = Iterable[tuple[np.ndarray, np.ndarray]] | tuple[np.ndarray, np.ndarray]


class NonFiniteLossError(FloatingPointError):
    """The loss (or the gradient norm) became NaN or infinite; the parameters were not updated."""


@contextmanager
def _without_input_grad(model: Module) -> Iterator[None]:
    """Nothing in training uses dL/dx of the data: the layers may skip it, for the block."""
    needs_input_grad = model.needs_input_grad
    model.needs_input_grad = False
    try:
        yield
    finally:
        model.needs_input_grad = needs_input_grad


def _batches(data: Batches) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    # A pair of arrays is one full batch; anything else is an iterable of (x, y) batches
    # (a DataLoader, a list, a generator function's fresh iterator per epoch...).
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray):
        return [data]
    return data


def _total(params: list[Parameter]) -> float:
    """Sum of every gradient entry: NaN or inf iff some entry is (a float64 sum cannot overflow
    for float32 gradients), at the cost of one read, where a norm would need squares."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(sum(p.grad.sum(dtype=np.float64) for p in params))


def reset_states(model: Module) -> None:
    """Forget the carried hidden state of every stateful layer (done at epoch boundaries)."""
    for module in model.modules():
        reset = getattr(module, "reset_state", None)
        if callable(reset):
            reset()


def evaluate(model: Module, loss_fn: Loss, data: Batches) -> float:
    """Mean loss over `data` (weighted by batch size), under no_grad, in eval mode."""
    was_training = model.training
    model.eval()
    reset_states(model)
    total, count = 0.0, 0
    try:
        with no_grad():
            for x, y in _batches(data):
                batch = len(x)
                total += loss_fn(model(x), y) * batch
                count += batch
    finally:
        model.train(was_training)
        reset_states(model)
    if count == 0:
        raise ValueError("evaluate: the data yielded no batches")
    return total / count


def train_epoch(
    model: Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    data: Batches,
    epoch: int,
    clip_grad_norm: float | None,
    on_batch: Callable[[int, float], object] | None = None,
) -> float:
    """One pass of training over `data` -> the mean loss (weighted by batch size).

    `on_batch(batch_size, loss)` is called after every step (fit's progress report)."""
    reset_states(model)  # stateful layers carry state across batches, never across epochs
    with _without_input_grad(model):
        total, count = 0.0, 0
        params = [p for group in optimizer.param_groups for p in group["params"]]
        for step, (x, y) in enumerate(_batches(data), start=1):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            if not np.isfinite(loss):
                model.clear_saved()
                loss_fn.clear_saved()
                raise NonFiniteLossError(
                    f"fit: the loss became {loss} at epoch {epoch}, step {step}; "
                    "the parameters were not updated by this step"
                )
            model.backward(loss_fn.backward())
            norm = _total(params) if clip_grad_norm is None else clip_norm(params, clip_grad_norm)
            if not np.isfinite(norm):
                # A finite loss can still have NaN or inf gradients (say, a custom layer's backward
                # dividing by 0): stop before they reach the parameters.
                raise NonFiniteLossError(
                    f"fit: the gradients became non-finite ({norm}) at epoch {epoch}, step {step}; "
                    "the parameters were not updated by this step"
                )
            optimizer.step()
            total += loss * len(x)
            count += len(x)
            if on_batch is not None:
                on_batch(len(x), loss)
    if count == 0:
        raise ValueError("fit: the training data yielded no batches")
    return total / count
