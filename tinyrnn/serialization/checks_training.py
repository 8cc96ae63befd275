"""Declared-contents checks of the training state: optimizer, LR scheduler, random generator.

Like `checks.py`, they run before any array data is read and return a list of problems.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..optim import Optimizer
from .checks import compatible
from .npy_header import NpyHeader


def check_named(what: str, own_class: str, saved_class: Any, saved: Any) -> list[str]:
    """The checkpoint holds a state of the same class (an SGD state does not fit Adam)."""
    if saved is None:
        return [f"{what}: the checkpoint holds no {what} state"]
    if saved_class != own_class:
        return [f"{what}: the checkpoint holds a {saved_class} state, not {own_class}"]
    return []


def check_optimizer(optimizer: Optimizer, saved: Any) -> list[str]:
    """PyTorch's layout {"state": {index: {...}}, "param_groups": [...]} fits this optimizer."""
    if not isinstance(saved, dict) or saved.keys() != {"state", "param_groups"}:
        return ["optimizer: expected a dict with keys 'state' and 'param_groups'"]
    groups, own_groups = saved["param_groups"], optimizer.param_groups
    if not isinstance(groups, list) or len(groups) != len(own_groups):
        count = len(groups) if isinstance(groups, list) else "no list of"
        return [f"optimizer: {count} parameter groups in the checkpoint, {len(own_groups)} here"]
    problems: list[str] = []
    start = 0
    for i, (group, own) in enumerate(zip(groups, own_groups, strict=True)):
        expected = list(range(start, start + len(own["params"])))
        start += len(own["params"])
        if not isinstance(group, dict) or group.get("params") != expected:
            problems.append(f"optimizer: group {i} should list parameters {expected}")
            continue
        for key, value in own.items():
            if key == "params":
                continue
            if key not in group:
                problems.append(f"optimizer: group {i} lacks the hyperparameter {key!r}")
            elif not compatible(value, group[key]):
                problems.append(
                    f"optimizer: group {i}: {key}={group[key]!r} does not fit {value!r}"
                )
    return problems + _check_optimizer_state(optimizer, saved["state"])


def _check_optimizer_state(optimizer: Optimizer, state: Any) -> list[str]:
    params = [param for group in optimizer.param_groups for param in group["params"]]
    if not isinstance(state, dict):
        return ["optimizer: 'state' must be a dict"]
    problems = []
    for index, fields in state.items():
        if not isinstance(index, int) or not 0 <= index < len(params):
            problems.append(f"optimizer: state for unknown parameter {index!r}")
            continue
        if not isinstance(fields, dict) or not all(isinstance(key, str) for key in fields):
            problems.append(f"optimizer: state {index} must be a dict with str keys")
            continue
        param = params[index]
        for field, value in fields.items():
            # The optimizer's own state arrays always have their parameter's shape and dtype.
            if isinstance(value, NpyHeader) and (value.shape, value.dtype) != (
                param.shape,
                param.dtype,
            ):
                problems.append(
                    f"optimizer: mismatch for state {index}.{field}: checkpoint {value.shape} "
                    f"{value.dtype}, parameter {param.shape} {param.dtype}"
                )
    return problems


def check_scheduler(scheduler: Any, saved: Any) -> list[str]:
    """Same keys as `scheduler.state_dict()`, each value of the same kind and structure."""
    own = scheduler.state_dict()
    if not isinstance(saved, dict):
        return ["scheduler: expected a dict"]
    problems = []
    missing = [key for key in own if key not in saved]
    unexpected = [key for key in saved if key not in own]
    if missing:
        problems.append(f"scheduler: missing keys {missing}")
    if unexpected:
        problems.append(f"scheduler: unexpected keys {unexpected}")
    for key in own.keys() & saved.keys():
        if not compatible(own[key], saved[key]):
            problems.append(f"scheduler: {key}={saved[key]!r} does not fit {own[key]!r}")
    return problems


def check_rng(rng: np.random.Generator, saved: Any) -> list[str]:
    """A state of the generator's own bit generator (PCG64 state into PCG64, ...)."""
    own = type(rng.bit_generator).__name__
    name = saved.get("bit_generator") if isinstance(saved, dict) else None
    if name != own:
        return [f"rng: the checkpoint holds a {name} state, the generator uses {own}"]
    return []
