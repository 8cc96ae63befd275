"""Library-wide settings: the default dtype and the default random generator."""

from __future__ import annotations

from typing import Any

import numpy as np

_default_dtype: np.dtype[Any] = np.dtype(np.float32)
_default_rng: np.random.Generator = np.random.default_rng()


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype new layers use when they are given `dtype=None` (float32 or float64)."""
    global _default_dtype
    resolved = np.dtype(dtype)
    if resolved not in (np.float32, np.float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {resolved}")
    _default_dtype = resolved


def get_default_dtype() -> np.dtype[Any]:
    """The dtype new layers use when they are given `dtype=None` (initially float32)."""
    return _default_dtype


def resolve_dtype(dtype: Any, who: str | None = None) -> np.dtype[Any]:
    """`None` -> the default dtype; otherwise a floating dtype, checked (errors name `who`)."""
    if dtype is None:
        return _default_dtype
    resolved = np.dtype(dtype)
    if resolved not in (np.float32, np.float64):
        prefix = f"{who}: " if who else ""
        raise TypeError(f"{prefix}expected dtype float32 or float64, got {resolved}")
    return resolved


def seed(n: int) -> None:
    """Re-seed the library's default generator (NumPy's global random state is never used)."""
    global _default_rng
    _default_rng = np.random.default_rng(n)


def default_rng() -> np.random.Generator:
    """The library's default `np.random.Generator`, used by layers given `rng=None`."""
    return _default_rng


def resolve_rng(rng: np.random.Generator | None, who: str | None = None) -> np.random.Generator:
    """`None` -> the library's default generator; otherwise `rng`, checked (errors name `who`)."""
    if rng is None:
        return _default_rng
    if not isinstance(rng, np.random.Generator):
        prefix = f"{who}: " if who else ""
        raise TypeError(
            f"{prefix}expected rng to be a np.random.Generator, got {type(rng).__name__}"
        )
    return rng
