"""Checkpoints inside `fit`: what is saved after an epoch, and how a run resumes from it.

A checkpoint is a `tinyrnn.save` file. Besides the model, optimizer and scheduler it holds, in
its `rng` slot, the data's generator (`data.rng` when the data has a Generator there, e.g. a
shuffling `DataLoader`, else the library's default generator), and in `extra["fit"]`:

    history         History.to_dict(): every epoch's losses and learning rate so far
    generators      bit-generator states of the library's default generator ("default") and
                    of every Generator a module keeps as an attribute ("model.1.rng" for a
                    Dropout(rng=...)), so shuffling and dropout masks continue identically
    early_stopping  EarlyStopping.state_dict() (best value, epoch, weights, epochs waited)

Resuming restores all of that, so the epochs trained after it are bit-for-bit those of a run
that never stopped (epoch boundaries are the only place a checkpoint is written: stateful
layers are reset there, so no half-finished epoch needs to be replayed).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._config import default_rng
from ..module import Module
from ..optim.optimizer import Optimizer
from ..serialization import load, save
from ..serialization.reader import read
from .early_stopping import EarlyStopping
from .history import History

PathLike = str | os.PathLike[str]


def data_rng(data: Any) -> np.random.Generator:
    """The generator that orders the data: `data.rng` if it is one, else the library default."""
    rng = getattr(data, "rng", None)
    return rng if isinstance(rng, np.random.Generator) else default_rng()


def generators(model: Module, data: Any) -> dict[str, np.random.Generator]:
    """{name: Generator} of the library default and each module's Generator attributes."""
    found = {"default": default_rng()}
    for name, module in model.named_modules():
        for attribute, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[".".join(part for part in ("model", name, attribute) if part)] = value
    return found


def read_extra(path: PathLike) -> dict[str, Any]:
    """The `extra` dict of a checkpoint, read without a model (e.g. to learn which one to build).

    Reads defensively like `tinyrnn.load` (no pickles, headers checked before data); a file
    without extra gives {}. Raises ValueError for a file that is not a tinyrnn checkpoint and
    OSError if it cannot be opened.
    """
    return _peek(path)[1]


def _peek(path: PathLike) -> tuple[Any, dict[str, Any]]:
    """(step, extra) of a checkpoint, without loading it into anything."""
    path = os.fspath(path)
    _, contents = read(path, parts=("step", "extra"))
    step, extra = contents.get("step"), contents.get("extra")
    if extra is None:
        return step, {}
    if not isinstance(extra, dict):
        raise ValueError(f"{path}: extra metadata should be a dict, got {type(extra).__name__}")
    return step, extra


def save_checkpoint(
    path: PathLike,
    model: Module,
    optimizer: Optimizer,
    scheduler: Any,
    data: Any,
    history: History,
    early_stopping: Any,
    extra: dict[str, Any] | None,
) -> None:
    """Write everything needed to continue after the epoch just finished (atomically)."""
    fit_state = {
        "history": history.to_dict(),
        "generators": {
            name: rng.bit_generator.state for name, rng in generators(model, data).items()
        },
        "early_stopping": None if early_stopping is None else early_stopping.state_dict(),
    }
    save(
        path,
        model,
        optimizer,
        scheduler=scheduler,
        rng=data_rng(data),
        step=history.epochs,
        extra={**(extra or {}), "fit": fit_state},
    )


def resume(
    path: PathLike, model: Module, optimizer: Optimizer, scheduler: Any, data: Any
) -> tuple[History, dict[str, Any] | None]:
    """Load a `fit` checkpoint into the objects -> (its History, its early-stopping state).

    Everything is checked before anything changes; on error (ValueError, OSError) the model,
    optimizer, scheduler and generators are left as they were.
    """
    step, extra = _peek(path)
    fit_state = extra.get("fit")
    if not isinstance(fit_state, dict) or not isinstance(fit_state.get("history"), dict):
        raise ValueError(f"{path}: not a checkpoint written by fit (no 'fit' entry in its extra)")
    try:
        history = History.from_dict(fit_state["history"])
        stopping = fit_state.get("early_stopping")
        if stopping is not None:
            _check_early_stopping(model, stopping)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise ValueError(f"{path}: unusable training state: {error}") from error
    if step != history.epochs:
        raise ValueError(f"{path}: step {step!r} but {history.epochs} epochs of history")
    targets = generators(model, data)
    saved = fit_state.get("generators")
    if not isinstance(saved, dict) or set(saved) != set(targets):
        names = sorted(saved) if isinstance(saved, dict) else saved
        raise ValueError(
            f"{path}: the checkpoint holds generator states for {names}, but this model and "
            f"data use {sorted(targets)}"
        )
    for name, rng in targets.items():
        _check_generator_state(path, name, rng, saved[name])
    load(path, model, optimizer, scheduler=scheduler, rng=data_rng(data))
    for name, rng in targets.items():
        rng.bit_generator.state = saved[name]
    return history, stopping


def _check_early_stopping(model: Module, state: dict[str, Any]) -> None:
    EarlyStopping(0).load_state_dict(state)
    best = state["best_state"]
    if best is not None:
        own = model.state_dict()
        shapes = {name: np.shape(value) for name, value in best.items()}
        if shapes != {name: value.shape for name, value in own.items()}:
            raise ValueError("the early-stopping best weights do not fit the model")


def _check_generator_state(path: PathLike, name: str, rng: np.random.Generator, state: Any) -> None:
    """Try the state on a fresh bit generator of the same kind, so a bad one fails up front."""
    trial = type(rng.bit_generator)()
    try:
        trial.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise ValueError(f"{path}: generator {name!r}: unusable state: {error}") from error
