"""fit: the training loop (epochs over batches, validation, clipping, logging, early stopping,
checkpoints)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..losses.loss import Loss
from ..module import Module
from ..optim.optimizer import Optimizer
from .checkpointing import resume, save_checkpoint
from .data_checks import CheckedBatches, check_data
from .early_stopping import EarlyStopping
from .epoch import Batches, NonFiniteLossError, evaluate, reset_states, train_epoch
from .history import History
from .progress import Progress

__all__ = ["EarlyStopping", "NonFiniteLossError", "evaluate", "fit", "reset_states"]


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
    checkpoint_path: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    checkpoint_extra: dict[str, Any] | None = None,
    resume_from: str | os.PathLike[str] | None = None,
) -> History:
    """Train `model` for `epochs` epochs; returns the `History` (losses and lr per epoch).

    model, loss_fn, optimizer: a Module, a Loss (`MSELoss`, `CrossEntropyLoss`) and an
        Optimizer over the model's parameters.
    train_data: a DataLoader, a list or any re-iterable of (x, y) batches (re-iterated every
        epoch; a one-shot generator is a TypeError when epochs > 1), or one (x, y) pair.
    epochs: how many epochs to train (with `resume_from`, the total including those done).
    val_data: batches or one (x, y) pair, evaluated after every epoch (`val_loss`); early
        stopping and ReduceLROnPlateau then watch it instead of the training loss.
    scheduler: an LR scheduler stepped once per epoch (ReduceLROnPlateau with the loss).
    clip_grad_norm: clip the global gradient norm to this value before each step.
    log_every: print an epoch line every `log_every` epochs (and the first and the last).
    early_stopping_patience, min_delta: stop once more than `patience` epochs in a row have
        not beaten the best monitored loss by `min_delta` (None: never stop early).
    restore_best: on early stopping, load back the weights of the best epoch.
    progress: True shows a per-batch tqdm bar (with loss and batches/s), False only the epoch
        lines, None (default) a bar on a terminal or in a notebook, else plain lines at most
        every 5 s and at the scheduled epochs, so a long epoch is never silent.
    log: where lines go (default print; e.g. `lines.append` or a logger's `info`).
    history: a History to continue (its epochs are counted, its lists appended to).
    checkpoint_path, checkpoint_every, checkpoint_extra: write a `tinyrnn.save` file
        atomically every `checkpoint_every` epochs (None: never in between) and after the last
        one, holding the model, optimizer, scheduler, generators, history and
        `checkpoint_extra` (your own metadata, under its keys).
    resume_from: a checkpoint written by fit: loaded into the given objects, the run then
        continues; re-running the same call after an interruption ends with bit-for-bit the
        weights of an uninterrupted run.

    Before the first step, inputs and targets held in memory (an (x, y) pair, a DataLoader
    over an ArrayDataset, val_data) are checked for NaN and infinite values; other data is
    checked batch by batch as drawn. Either way a ValueError names the array (training or
    validation inputs/targets) and the first offending index before that data is used. A loss
    or gradient that becomes NaN or infinite raises NonFiniteLossError before the update.
    During training `model.needs_input_grad` is False (restored after). See docs/training.md.
    """
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    if log_every < 1:
        raise ValueError(f"fit: log_every must be >= 1, got {log_every}")
    _check_checkpointing(checkpoint_path, checkpoint_every, checkpoint_extra, resume_from, history)
    if epochs > 1 and isinstance(train_data, Iterator):
        # A generator is used up by the first epoch: the next ones would see no data. Checked
        # before resume_from changes anything.
        raise TypeError(
            f"fit: train_data is a one-shot iterator ({type(train_data).__name__}) and "
            f"epochs={epochs}; pass data that can be iterated again every epoch (a list, a "
            "DataLoader, a TextDataset)"
        )
    train_batches = check_data(train_data, "training")
    val_batches: Any = None if val_data is None else check_data(val_data, "validation")
    stored_stopper = None
    if resume_from is not None:
        history, stored_stopper = resume(resume_from, model, optimizer, scheduler, train_data)
        if epochs < history.epochs:
            raise ValueError(
                f"fit: resuming a run of {history.epochs} epochs with epochs={epochs}; with "
                "resume_from, epochs is the total length of the run"
            )
        epochs = 0 if history.stopped_early else epochs - history.epochs
    history = History() if history is None else history
    start = history.epochs
    stopper = None
    if early_stopping_patience is not None:
        monitored = history.val_loss if val_data is not None else history.loss
        stopper = EarlyStopping(early_stopping_patience, min_delta, min(monitored, default=np.inf))
        if stored_stopper is not None:
            stopper.load_state_dict(stored_stopper)

    def checkpoint() -> None:
        if checkpoint_path is not None:
            save_checkpoint(
                checkpoint_path,
                model,
                optimizer,
                scheduler,
                train_data,
                history,
                stopper,
                checkpoint_extra,
            )

    bar = Progress(start + epochs, start, progress, log, batches_per_epoch=_length(train_data))
    model.train()
    try:
        for epoch in range(start + 1, start + epochs + 1):
            bar.start_epoch(epoch)
            for checked in (train_batches, val_batches):
                if isinstance(checked, CheckedBatches):
                    checked.epoch = epoch
            loss = train_epoch(
                model, loss_fn, optimizer, train_batches, epoch, clip_grad_norm, bar.batch
            )
            history.loss.append(loss)
            history.lr.append(float(optimizer.param_groups[0]["lr"]))
            figures = {"loss": loss}
            if val_data is not None:
                figures["val_loss"] = evaluate(model, loss_fn, val_batches)
                history.val_loss.append(figures["val_loss"])
            monitored_value = figures.get("val_loss", loss)
            if scheduler is not None:
                _step_scheduler(scheduler, monitored_value)
            bar.end_epoch(figures, epoch % log_every == 0 or epoch in (start + 1, start + epochs))
            if stopper is not None and stopper.should_stop(monitored_value, epoch, model):
                history.stopped_early, history.best_epoch = True, stopper.best_epoch
                bar.log(f"early stopping at epoch {epoch} (best epoch {stopper.best_epoch})")
                if restore_best and stopper.best_state is not None:
                    model.load_state_dict(stopper.best_state)
                checkpoint()
                break
            if stopper is not None:
                history.best_epoch = stopper.best_epoch
            if epoch == start + epochs or (checkpoint_every and epoch % checkpoint_every == 0):
                checkpoint()
    finally:
        bar.close()
    return history


def _length(data: Any) -> int | None:
    """Batches per epoch, when the data knows it."""
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray):
        return 1
    try:
        return len(data)
    except TypeError:
        return None


def _check_checkpointing(
    path: Any, every: Any, extra: Any, resume_from: Any, history: History | None
) -> None:
    if every is not None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"fit: checkpoint_every must be an integer >= 1, got {every!r}")
        if path is None:
            raise ValueError("fit: checkpoint_every needs a checkpoint_path to save to")
    if extra is not None and (not isinstance(extra, dict) or "fit" in extra):
        raise ValueError("fit: checkpoint_extra must be a dict without the reserved key 'fit'")
    if resume_from is not None and history is not None:
        raise ValueError("fit: give history or resume_from, not both (the checkpoint has one)")


def _step_scheduler(scheduler: Any, metric: float) -> None:
    # ReduceLROnPlateau watches a metric; every other scheduler steps once per epoch.
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        scheduler.step(metric)
    else:
        scheduler.step()
