"""Hyperparameter checks and conversion to plain Python values (for state_dicts and repr)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np


def check_real(
    who: str,
    group: Mapping[str, Any],
    key: str,
    label: str,
    low: float = 0.0,
    below: float | None = None,
) -> None:
    """group[key] must be a real number >= low (and < below if given), else Type/ValueError."""
    value: Any = group[key]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: {label} must be a real number, got {type(value).__name__}")
    number = float(value)
    if not number >= low or (below is not None and not number < below):
        bound = f">= {low}" + ("" if below is None else f" and < {below}")
        raise ValueError(f"{who}: invalid {label} {value!r} (must be {bound})")


def check_bool(who: str, group: Mapping[str, Any], key: str) -> None:
    """group[key] must be True or False."""
    if not isinstance(group[key], (bool, np.bool_)):
        raise TypeError(f"{who}: {key} must be True or False, got {group[key]!r}")


def plain(value: Any) -> Any:
    """NumPy scalars and 0-d arrays -> Python numbers, recursively through tuples and lists."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    return value


def coerce_like(value: Any, default: Any, where: str) -> Any:
    """A checkpoint's hyperparameter as the type of the default (files may return arrays)."""
    value = plain(value.tolist() if isinstance(value, np.ndarray) else value)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise TypeError(f"{where}: expected True or False, got {value!r}")
    if isinstance(default, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(default):
            raise ValueError(f"{where}: expected {len(default)} values, got {value!r}")
        return tuple(coerce_like(v, d, where) for v, d in zip(value, default, strict=True))
    if isinstance(default, numbers.Real):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{where}: expected a real number, got {value!r}")
        return value
    if isinstance(default, str) and not isinstance(value, str):
        raise TypeError(f"{where}: expected a string, got {value!r}")
    return value
