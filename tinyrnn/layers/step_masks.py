"""Which steps of a batch run: `lengths=` (PyTorch's padding) and `mask=` (Keras' masking)."""

from __future__ import annotations

from typing import Any

import numpy as np


def valid_steps(lengths: Any, batch: int, steps: int, who: str) -> np.ndarray:
    """(time, batch) bool, False at padded steps, from `lengths` (batch,) integers in [1, steps]."""
    array = np.asarray(lengths)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{who}: lengths must be an integer array, got dtype {array.dtype}")
    if array.shape != (batch,):
        raise ValueError(
            f"{who}: expected lengths of shape (batch,) = ({batch},), got {tuple(array.shape)}"
        )
    if array.size and (array.min() < 1 or array.max() > steps):
        raise ValueError(
            f"{who}: every length must lie in [1, time] = [1, {steps}], got values from "
            f"{array.min()} to {array.max()}"
        )
    return np.arange(steps)[:, None] < array[None, :]


def mask_steps(mask: Any, batch: int, steps: int, who: str) -> np.ndarray:
    """(time, batch) bool from a user's `mask` (batch, time) bool, checked."""
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(f"{who}: mask must be a boolean array, got dtype {array.dtype}")
    if array.shape != (batch, steps):
        raise ValueError(
            f"{who}: expected mask of shape (batch, time) = ({batch}, {steps}), "
            f"got {tuple(array.shape)}"
        )
    return array.T


def step_masks(lengths: Any, mask: Any, batch: int, steps: int, who: str) -> Any:
    """(run, shown), each (time, batch) bool or None: the steps the cell runs, and the
    outputs that are not zero (padding after `lengths` and, with `mask`, the steps before a
    sample's first unmasked one: Keras' zeros there)."""
    valid = None if lengths is None else valid_steps(lengths, batch, steps, who)
    if mask is None:
        return valid, valid
    run = mask_steps(mask, batch, steps, who)
    if valid is not None:
        run = run & valid
    shown = np.logical_or.accumulate(run, axis=0)
    return run, shown if valid is None else shown & valid
