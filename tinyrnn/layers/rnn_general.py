"""RNN's general path: any cell, called once per step forward and once per step backward.

A state is one array or a tuple (LSTM's (h, c)); see recurrent_state. With a variable-length
batch (`valid`, (time, batch) bool), padded steps keep the previous state, per sample:
h_t = where(valid_t, cell(x_t, h_{t-1}), h_{t-1}), component by component.
"""

from __future__ import annotations

import numpy as np

from ..module import Module
from .recurrent_state import (
    State,
    add_states,
    add_to_output,
    select_state,
    state_output,
    zeros_like_state,
)


def cells_forward(
    cell: Module, x: np.ndarray, state: State, valid: np.ndarray | None
) -> tuple[np.ndarray, State]:
    """x: (batch, time, input) -> (outputs (batch, time, hidden), last state)."""
    batch, steps = x.shape[:2]
    if valid is not None:
        # The cell runs on padded steps too (then discarded): feed it zeros, never padding.
        x = np.where(valid.T[:, :, None], x, 0)
    outputs = None
    for t in range(steps):
        new_state = cell(x[:, t], state)
        state = new_state if valid is None else select_state(valid[t], new_state, state)
        output = state_output(state)
        if outputs is None:
            outputs = np.empty_like(output, shape=(batch, steps) + output.shape[1:], order="C")
        outputs[:, t] = output  # a copy: a cell may return (and cache) the very array it keeps
    assert outputs is not None
    if valid is not None:
        outputs[~valid.T] = 0
    return outputs, state


def cells_backward(
    cell: Module,
    grad_output: np.ndarray,
    steps: int,
    last: State,
    valid: np.ndarray | None,
    sequence: bool,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, State]:
    """BPTT through the cell's own backward -> (dx (batch, time, input), dL/d(initial state)).

    grad_output: (batch, time, hidden) when `sequence`, else (batch, hidden) for the last step.
    dx is None when `needs_input_grad` is False (whatever the cell returns for dx_t is dropped).
    """
    batch = grad_output.shape[0]
    grad_x = None
    # Walk the steps backwards; the cell's backward turns dL/dh_t (the gradient from the output
    # at t plus the one carried back from t+1) into dL/dx_t and dL/dh_{t-1}.
    grad_state = zeros_like_state(last)
    for t in range(steps - 1, -1, -1):
        if sequence:
            grad_t = grad_output[:, t]
            if valid is not None:  # the outputs at padded steps are constant zeros
                grad_t = np.where(valid[t][:, None], grad_t, 0)
            grad_state = add_to_output(grad_state, grad_t)
        elif t == steps - 1:
            grad_state = add_to_output(grad_state, grad_output)
        if valid is None:
            grad_x_t, grad_state = cell.backward(grad_state)
        else:
            # The cell gets the gradient of the valid samples; the padded ones pass theirs
            # straight on to h_{t-1}.
            zero = zeros_like_state(grad_state)
            grad_x_t, grad_prev = cell.backward(select_state(valid[t], grad_state, zero))
            grad_state = add_states(grad_prev, select_state(valid[t], zero, grad_state))
        if not needs_input_grad:
            continue
        if grad_x_t is None:
            raise RuntimeError(
                f"{type(cell).__name__}.backward returned no input gradient (its "
                "needs_input_grad is False) but the RNN running it needs one"
            )
        if grad_x is None:
            shape = (batch, steps) + grad_x_t.shape[1:]
            grad_x = np.empty_like(grad_x_t, shape=shape, order="C")
        grad_x[:, t] = grad_x_t
    return grad_x, grad_state
