"""Argument checks shared by the data utilities (clear errors that name the function)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def check_int(value: Any, name: str, who: str, minimum: int = 1) -> int:
    """`value` must be an integer (not a bool) >= `minimum`; returns it as an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{who}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{who}: {name} must be >= {minimum}, got {value}")
    return int(value)


def as_columns(x: Any, who: str, what: str, rows: str) -> np.ndarray:
    """x as a numeric (rows, features) array; a 1-D x is one column.  Errors name `who`."""
    values = np.asarray(x)
    if values.dtype.kind not in "fiu":
        raise TypeError(f"{who}: expected numbers (a numeric {what}), got dtype {values.dtype}")
    if values.ndim == 1:
        return values[:, None]
    if values.ndim != 2:
        raise ValueError(
            f"{who}: expected {what} of shape ({rows},) or ({rows}, features), got {values.shape}"
        )
    return values
