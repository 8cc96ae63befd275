"""RNN's fast path for the built-in RNNCell: the bookkeeping around the fused kernels.

Time-major inside, so that each step reads one contiguous (batch, hidden) block. The states
carry h0 as row 0 (h_{t-1} of every step is then the view states[:-1]), and the bias enters as
a column of ones in the input against the column b in [W_ih | b] (see the kernels).
"""

from __future__ import annotations

import numpy as np

from ..functional.recurrent import rnn_backward_states, rnn_forward_states
from .recurrent_state import mask_step_grads, valid_steps
from .rnn_cell import RNNCell

Cache = tuple[np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None"]


class FusedRNN:
    """One per RNN layer: runs its RNNCell's math over a whole sequence, keeping two buffers.

    `spare`: the time-major input copy of the last finished call, reused by the next forward of
    the same shape (allocating and first touching megabytes every call costs more than the
    arithmetic on them). `grad_a`: BPTT's (time, batch, hidden) dL/da scratch. Neither is ever
    part of a pending cache, nor returned. The states are new every call: the outputs are a
    view of them.
    """

    def __init__(self) -> None:
        self.spare: np.ndarray | None = None
        self.grad_a: np.ndarray | None = None

    def __deepcopy__(self, memo: dict[int, object]) -> FusedRNN:
        return FusedRNN()  # the buffers are scratch: a copied layer starts without them

    def forward(
        self, cell: RNNCell, x: np.ndarray, h0: np.ndarray, lengths: np.ndarray | None, keep: bool
    ) -> tuple[np.ndarray, np.ndarray, Cache | None]:
        """x (batch, time, input) -> (outputs (batch, time, hidden), h_T, cache or None).

        With `lengths`, padded steps give zero outputs and h_T is each sample's last valid
        state. The cache (for `backward`) is made only when `keep`; the outputs are a view of
        the states.
        """
        batch, steps, inputs = x.shape
        weight_in = cell.input_weight()
        states, x_in = self._take_buffers(x, cell.hidden_size, weight_in.shape[1])
        np.copyto(x_in[:, :, :inputs], x.transpose(1, 0, 2))
        if weight_in.shape[1] > inputs:
            x_in[:, :, inputs] = 1
        states[0] = h0
        valid = None if lengths is None else valid_steps(lengths, steps)
        if valid is not None:
            x_in[~valid] = 0  # padding is never read: no product with it can be inf or nan
        rnn_forward_states(x_in, states, weight_in, cell.weight_hh.data, cell.nonlinearity)
        last = states[-1]
        if valid is not None:
            # Padded rows ran on from their last valid state; they never feed a valid step.
            last = states[lengths, np.arange(batch)]
            states[1:][~valid] = 0
        # Batch-first outputs are a transposed view of the time-major states, as PyTorch's
        # batch_first outputs are: no copy (RNN.forward makes it read-only when it is cached).
        outputs = states[1:].transpose(1, 0, 2)
        if keep:
            return outputs, last, (x_in, weight_in, states, valid)
        self.spare = x_in
        return outputs, last.copy(), None

    def backward(
        self, cell: RNNCell, grad_h: np.ndarray, cache: Cache, needs_input_grad: bool = True
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dh_t from outside -> (dx (batch, time, input) or None, dh0); adds the cell's grads.

        grad_h: time-major (time, batch, hidden) of any strides, or (batch, hidden) for the
        last step alone (many-to-one). dx is None when `needs_input_grad` is False.
        """
        x_in, weight_in, states, valid = cache
        if valid is not None:
            grad_h = mask_step_grads(grad_h, valid)
        grad_a = self.grad_a
        if grad_a is None or grad_a.shape != states[1:].shape or grad_a.dtype != states.dtype:
            grad_a = self.grad_a = np.empty_like(states[1:])
        # dx overwrites x_in, which this call no longer needs (the kernel reads it first).
        grad_x, grad_h0, grad_w_in, grad_w_hh = rnn_backward_states(
            grad_h,
            states,
            x_in,
            weight_in,
            cell.weight_hh.data,
            cell.nonlinearity,
            grad_a,
            x_in,
            needs_input_grad=needs_input_grad,
        )
        cell.accumulate_input_grads(grad_w_in, grad_w_hh)
        self.spare = x_in  # this call is over: its input buffer serves the next forward
        if grad_x is None:
            return None, grad_h0
        # A copy, never a view of x_in (which the next forward reuses).
        return grad_x[:, :, : cell.input_size].transpose(1, 0, 2).copy(order="C"), grad_h0

    def _take_buffers(
        self, x: np.ndarray, hidden: int, columns: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(states (time + 1, batch, hidden), input (time, batch, columns)): new C-ordered
        states (whatever the layout of x); the spare input if it fits, else a new one."""
        batch, steps, _ = x.shape
        states = np.empty_like(x, shape=(steps + 1, batch, hidden), order="C")
        spare, self.spare = self.spare, None
        shape = (steps, batch, columns)
        if spare is not None and spare.shape == shape and spare.dtype == x.dtype:
            return states, spare
        return states, np.empty_like(x, shape=shape, order="C")
