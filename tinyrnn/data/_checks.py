"""Argument checks shared by the data utilities (clear errors that name the function)."""

from __future__ import annotations

import numbers
from typing import Any


def check_int(value: Any, name: str, who: str, minimum: int = 1) -> int:
    """`value` must be an integer (not a bool) >= `minimum`; returns it as an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{who}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{who}: {name} must be >= {minimum}, got {value}")
    return int(value)
