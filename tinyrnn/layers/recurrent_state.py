"""Helpers for recurrent states that are one array (RNN, GRU) or a tuple of arrays (LSTM's (h, c)).

By convention the first array of a tuple state is the cell's output h_t.
"""

from __future__ import annotations

from typing import Any

import numpy as np

State = Any  # np.ndarray | tuple[np.ndarray, ...]


def state_output(state: State) -> np.ndarray:
    """The part of a state that is the step's output: the state itself, or its first array."""
    return state if isinstance(state, np.ndarray) else state[0]


def zeros_like_state(state: State) -> State:
    """A zero gradient with the structure of `state`."""
    if isinstance(state, np.ndarray):
        return np.zeros_like(state)
    return tuple(np.zeros_like(part) for part in state)


def add_to_output(grad_state: State, grad_output: np.ndarray) -> State:
    """grad_state with grad_output added to its output part (a new value; inputs untouched)."""
    if isinstance(grad_state, np.ndarray):
        return grad_state + grad_output
    return (grad_state[0] + grad_output,) + tuple(grad_state[1:])


def copy_state(state: State) -> State:
    """An independent copy (so a carried state is never a view of a cached buffer)."""
    if isinstance(state, np.ndarray):
        return state.copy()
    return tuple(part.copy() for part in state)


def select_state(mask: np.ndarray, chosen: State, other: State) -> State:
    """Per sample, `chosen` where mask (batch,) is True, else `other` (both of one structure)."""
    if isinstance(chosen, np.ndarray):
        return np.where(mask.reshape((-1,) + (1,) * (chosen.ndim - 1)), chosen, other)
    return tuple(select_state(mask, a, b) for a, b in zip(chosen, other, strict=True))


def add_states(a: State, b: State) -> State:
    """a + b, component by component (a new value)."""
    if isinstance(a, np.ndarray):
        return a + b
    return tuple(x + y for x, y in zip(a, b, strict=True))


def check_lengths(lengths: Any, batch: int, steps: int, who: str) -> np.ndarray:
    """Validate a variable-length batch's `lengths`: integers (batch,), each in [1, steps]."""
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
    return array.astype(np.intp, copy=False)


def valid_steps(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(time, batch) bool: True where step t < length of the sample (not padding)."""
    return np.arange(steps)[:, None] < lengths[None, :]
