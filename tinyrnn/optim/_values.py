"""Plain values for state_dicts and repr, and the checks of values that come from a file."""

from __future__ import annotations

import numbers
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from ..parameter import Parameter


def plain(value: Any) -> Any:
    """NumPy scalars and 0-d arrays -> Python numbers, recursively through tuples and lists."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    return value


def parameter_list(params: Any, who: str) -> list[Parameter]:
    """One Parameter or an iterable of them -> a list, else TypeError naming `who`."""
    params = [params] if isinstance(params, Parameter) else list(params)
    for param in params:
        if not isinstance(param, Parameter):
            raise TypeError(f"{who}: expected Parameters, got {type(param).__name__}")
    return params


def check_real(who: str, label: str, value: Any, low: float = 0.0, below: float = np.inf) -> None:
    """`value` must be a real number in [low, below), else TypeError/ValueError naming `who`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: {label} must be a real number, got {type(value).__name__}")
    if not low <= float(value) < below:  # also rejects NaN
        bound = f">= {low}" + ("" if below == np.inf else f" and < {below}")
        raise ValueError(f"{who}: invalid {label} {value!r} (must be {bound})")


def param_index(key: Any, where: str) -> int:
    """A parameter index as saved: an int, a NumPy integer, or its decimal string (JSON keys)."""
    key = plain(key)
    if isinstance(key, str) and key.isdigit():
        return int(key)
    if isinstance(key, bool) or not isinstance(key, numbers.Integral):
        raise TypeError(f"{where}: parameter indices must be integers, got {key!r}")
    return int(key)


def checked_hyperparameters(
    saved: Mapping[str, Any], defaults: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """A saved group's hyperparameters: exactly the defaults' names (and maybe a scheduler's
    "initial_lr"), as plain values, lists (JSON's) as tuples; the optimizer checks the values."""
    keys = set(saved) - {"params"}
    unknown = sorted(keys - set(defaults) - {"initial_lr"})
    missing = sorted(set(defaults) - keys)
    if unknown or missing:
        raise ValueError(f"{where}: unknown hyperparameters {unknown}, missing {missing}")
    values = {
        k: plain(saved[k].tolist() if isinstance(saved[k], np.ndarray) else saved[k]) for k in keys
    }
    if "initial_lr" in values:
        check_real(where, "initial_lr", values["initial_lr"], low=-np.inf)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def checked_entries(
    entries: Any, param: Parameter, known: Collection[str], required: Collection[str], where: str
) -> dict[str, Any]:
    """One parameter's saved state: no unknown or missing names (unless empty), "step" a count
    (an integer >= 0, maybe saved as a float or 0-d array), the others real arrays of the
    parameter's shape, copied into its dtype."""
    if not isinstance(entries, Mapping):
        raise TypeError(f"{where}: expected a dict, got {type(entries).__name__}")
    unknown, missing = sorted(set(entries) - set(known)), sorted(set(required) - set(entries))
    if entries and (unknown or missing):
        raise ValueError(f"{where}: unknown entries {unknown}, missing {missing}")
    loaded: dict[str, Any] = {}
    for key, value in entries.items():
        here = f"{where}['{key}']"
        if key == "step":
            step = plain(value)
            real = isinstance(step, numbers.Real) and not isinstance(step, bool)
            if not (real and float(step) >= 0 and float(step).is_integer()):
                raise ValueError(f"{here}: expected a step count (an integer >= 0), got {step!r}")
            loaded[key] = int(step)
        elif not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
            kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            raise TypeError(f"{here}: expected a float or integer ndarray, got {kind}")
        elif value.shape != param.data.shape:
            shape = param.data.shape
            raise ValueError(f"{here}: size mismatch, checkpoint {value.shape}, parameter {shape}")
        else:
            loaded[key] = value.astype(param.data.dtype, copy=True)
    return loaded
