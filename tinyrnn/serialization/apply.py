"""Putting a validated checkpoint into the live objects: dry runs first, then all or nothing.

Each restorable object is first loaded into a throw-away copy through its own public method
(so its own validation runs); only when every dry run passed are the real objects changed,
and if applying still fails midway, everything changed so far is restored.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..layers.recurrent_state import copy_state
from ..module import Module
from ..optim import Optimizer
from .checks import stateful_modules

_REJECTED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


def dry_run(
    contents: dict[str, Any],
    optimizer: Optimizer | None,
    scheduler: Any,
    rng: np.random.Generator | None,
) -> None:
    """Raise ValueError if an object's own loader rejects its state; nothing real changes."""
    if optimizer is not None:
        trial = copy.copy(optimizer)  # its own group dicts; the Parameters are shared, unchanged
        trial.param_groups = [dict(group) for group in optimizer.param_groups]
        _attempt("optimizer", lambda: trial.load_state_dict(contents["optimizer"]))
    if scheduler is not None:
        keep = {id(optimizer): optimizer} if optimizer is not None else {}
        scheduler_trial = copy.deepcopy(scheduler, keep)
        _attempt("scheduler", lambda: scheduler_trial.load_state_dict(contents["scheduler"]))
    if rng is not None:
        generator_trial = type(rng.bit_generator)()
        _attempt("rng", lambda: setattr(generator_trial, "state", contents["rng"]))


def _attempt(what: str, action: Any) -> None:
    try:
        action()
    except _REJECTED as error:
        raise ValueError(f"{what}: the checkpoint's state was rejected: {error}") from error


def apply(
    contents: dict[str, Any],
    model: Module,
    optimizer: Optimizer | None,
    scheduler: Any,
    rng: np.random.Generator | None,
    strict: bool,
) -> None:
    """Load every part into the live objects; on any failure, roll all of them back."""
    hidden = stateful_modules(model)
    backup = (
        model.state_dict(),
        optimizer.state_dict() if optimizer is not None else None,
        scheduler.state_dict() if scheduler is not None else None,
        rng.bit_generator.state if rng is not None else None,
        {name: module.h_n for name, module in hidden.items()},
    )
    try:
        _apply(contents, model, optimizer, scheduler, rng, strict, hidden)
    except BaseException:
        _apply(_as_contents(backup), model, optimizer, scheduler, rng, False, hidden)
        raise


def _as_contents(backup: tuple[Any, ...]) -> dict[str, Any]:
    keys = ("model", "optimizer", "scheduler", "rng", "hidden")
    return dict(zip(keys, backup, strict=True))


def _apply(
    contents: dict[str, Any],
    model: Module,
    optimizer: Optimizer | None,
    scheduler: Any,
    rng: np.random.Generator | None,
    strict: bool,
    hidden: dict[str, Any],
) -> None:
    model.load_state_dict(contents["model"], strict=strict)
    if optimizer is not None:
        optimizer.load_state_dict(contents["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(contents["scheduler"])
    if rng is not None:
        rng.bit_generator.state = contents["rng"]
    saved_hidden = contents.get("hidden", {})
    for name, module in hidden.items():
        if name in saved_hidden:
            state = saved_hidden[name]
            module.h_n = None if state is None else copy_state(state)
