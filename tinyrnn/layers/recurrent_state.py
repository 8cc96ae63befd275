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


def state_batch_size(state: State) -> int:
    """The batch size of a state (the first axis of its output part)."""
    return int(state_output(state).shape[0])
