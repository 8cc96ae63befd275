"""Unbatched calls, as PyTorch accepts them: a sequence (time, features) or a step (features,),
with states (hidden,), run as a batch of one; the batch axis is added and dropped here."""

from __future__ import annotations

from typing import Any

import numpy as np


def is_unbatched(x: Any, batched_ndim: int) -> bool:
    """Whether x has one axis fewer than a batch would (a ragged list is no array: False)."""
    try:
        return bool(np.ndim(x) == batched_ndim - 1)
    except ValueError:  # NumPy refuses a ragged nested list; the layer's checks report it
        return False


def add_batch_axis(value: Any, who: str, what: str) -> Any:
    """An unbatched array, or a tuple of them (an LSTM's (h, c)), with a leading axis of 1.

    None (and None inside a tuple) stays None. ValueError unless each array has one axis.
    """
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return tuple(add_batch_axis(part, who, what) for part in value)
    array = np.asarray(value)
    if array.ndim != 1:
        raise ValueError(
            f"{who}: with an unbatched input, {what} must be unbatched too (one axis, "
            f"(hidden,)), got shape {array.shape}"
        )
    return array[None]


def drop_batch_axis(value: Any) -> Any:
    """The inverse of `add_batch_axis` on a result: each array's batch of one removed."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(drop_batch_axis(part) for part in value)
    return value[0]
