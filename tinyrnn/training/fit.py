"""fit: the training loop (epochs over batches, validation, clipping, logging, early stopping)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._config import no_grad
from ..losses.loss import Loss
from ..module import Module
from ..optim.clip import clip_grad_norm as clip_norm
from ..optim.optimizer import Optimizer
from .history import History
from .progress import Progress

Batches = Iterable[tuple[np.ndarray, np.ndarray]] | tuple[np.ndarray, np.ndarray]


class NonFiniteLossError(FloatingPointError):
    """The loss (or the gradient norm) became NaN or infinite; the parameters were not updated."""


def _batches(data: Batches) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    # A pair of arrays is one full batch; anything else is an iterable of (x, y) batches
    # (a DataLoader, a list, a generator function's fresh iterator per epoch...).
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray):
        return [data]
    return data


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


def _train_epoch(
    model: Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    data: Batches,
    epoch: int,
    clip_grad_norm: float | None,
) -> float:
    reset_states(model)  # stateful layers carry state across batches, never across epochs
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
        if clip_grad_norm is not None:
            norm = clip_norm(params, clip_grad_norm)
            if not np.isfinite(norm):
                raise NonFiniteLossError(
                    f"fit: the gradient norm became {norm} at epoch {epoch}, step {step}; "
                    "the parameters were not updated by this step"
                )
        optimizer.step()
        total += loss * len(x)
        count += len(x)
    if count == 0:
        raise ValueError("fit: the training data yielded no batches")
    return total / count


def fit(
    model: Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    train_data: Batches,
    *,
    epochs: int,
    val_data: Batches | None = None,
    scheduler: Any = None,
    clip_grad_norm: float | None = None,
    log_every: int = 10,
    early_stopping_patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    progress: bool | None = None,
    log: Callable[[str], Any] = print,
    history: History | None = None,
) -> History:
    """Train for `epochs` epochs over `train_data` (a DataLoader, any iterable of (x, y)
    batches, or one (x, y) pair); returns the History. See docs for every option."""
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    if log_every < 1:
        raise ValueError(f"fit: log_every must be >= 1, got {log_every}")
    history = History() if history is None else history
    start = history.epochs
    stopper = None
    if early_stopping_patience is not None:
        monitored = history.val_loss if val_data is not None else history.loss
        stopper = EarlyStopping(early_stopping_patience, min_delta, min(monitored, default=np.inf))
    bar = Progress(start + epochs, start, progress, log)
    model.train()
    try:
        for epoch in range(start + 1, start + epochs + 1):
            loss = _train_epoch(model, loss_fn, optimizer, train_data, epoch, clip_grad_norm)
            history.loss.append(loss)
            history.lr.append(float(optimizer.param_groups[0]["lr"]))
            figures = {"loss": loss}
            if val_data is not None:
                figures["val_loss"] = evaluate(model, loss_fn, val_data)
                history.val_loss.append(figures["val_loss"])
            monitored_value = figures.get("val_loss", loss)
            if scheduler is not None:
                _step_scheduler(scheduler, monitored_value)
            bar.update(**figures)
            if epoch % log_every == 0 or epoch in (start + 1, start + epochs):
                bar.log(
                    f"epoch {epoch:4d}  " + "  ".join(f"{k} {v:.6f}" for k, v in figures.items())
                )
            if stopper is not None and stopper.should_stop(monitored_value, epoch, model):
                history.stopped_early, history.best_epoch = True, stopper.best_epoch
                bar.log(f"early stopping at epoch {epoch} (best epoch {stopper.best_epoch})")
                if restore_best and stopper.best_state is not None:
                    model.load_state_dict(stopper.best_state)
                break
        if stopper is not None:
            history.best_epoch = stopper.best_epoch
    finally:
        bar.close()
    return history


class EarlyStopping:
    """Stop when the monitored loss has not improved by `min_delta` for `patience` epochs."""

    def __init__(self, patience: int, min_delta: float = 0.0, best: float = np.inf) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.patience, self.min_delta, self.best = patience, min_delta, best
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.waited = 0

    def should_stop(self, value: float, epoch: int, model: Module) -> bool:
        """Record this epoch's value (keeping the best weights); True when patience ran out."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.waited = value, epoch, 0
            self.best_state = model.state_dict()
            return False
        self.waited += 1
        return self.waited > self.patience


def _step_scheduler(scheduler: Any, metric: float) -> None:
    # ReduceLROnPlateau watches a metric; every other scheduler steps once per epoch.
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        scheduler.step(metric)
    else:
        scheduler.step()
