"""RNN's fast path for the built-in RNNCell: the bookkeeping around the fused kernels.

Time-major inside, so that each step reads one contiguous (batch, hidden) block. The states
carry h0 as row 0 (h_{t-1} of every step is then the view states[:-1]), and the bias enters as
a column of ones in the input against the column b in [W_ih | b] (see the kernels).
"""

from __future__ import annotations

import numpy as np

from .._reuse import only_referenced_by_caller
from ..functional.recurrent import rnn_backward_states, rnn_forward_states
from .recurrent_state import mask_step_grads, valid_steps
from .rnn_cell import RNNCell

Cache = tuple[np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None"]


class FusedRNN:
    """One per RNN layer: runs its RNNCell's math over a whole sequence, keeping buffers.

    Allocating and first touching megabytes every call costs more than the arithmetic on them
    (and the C allocator may hand the pages back to the system in between), so the buffers of
    the last finished call serve the next one of the same shape. `spare`: its time-major input
    copy (never handed out). `spare_states`: its states, of which the outputs were a view: they
    are reused only if no view of them is alive any more (see `tinyrnn._reuse`). `grad_a`:
    BPTT's (time, batch, hidden) dL/da scratch, never part of a cache nor returned.
    """

    def __init__(self) -> None:
        self.spare: np.ndarray | None = None
        self.spare_states: np.ndarray | None = None
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
        if not keep:
            self.spare, self.spare_states = x_in, states
        # (`last` may be a view of the states: RNN.forward copies it for h_n and many-to-one.)
        return outputs, last, (x_in, weight_in, states, valid) if keep else None

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
        # This call is over: its buffers may serve the next forward.
        self.spare, self.spare_states = x_in, states
        if grad_x is None:
            return None, grad_h0
        # A copy, never a view of x_in (which the next forward reuses).
        return grad_x[:, :, : cell.input_size].transpose(1, 0, 2).copy(order="C"), grad_h0

    def _take_buffers(
        self, x: np.ndarray, hidden: int, columns: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(states (time + 1, batch, hidden), input (time, batch, columns)), C-ordered whatever
        the layout of x: the spare ones if they fit (and no view of the states is alive), else
        new ones."""
        batch, steps, _ = x.shape
        states, self.spare_states = self.spare_states, None
        shape = (steps + 1, batch, hidden)
        if (
            states is None
            or states.shape != shape
            or states.dtype != x.dtype
            or not only_referenced_by_caller(states)  # some earlier outputs are still in use
        ):
            states = np.empty_like(x, shape=shape, order="C")
        x_in, self.spare = self.spare, None
        shape = (steps, batch, columns)
        if not (x_in is not None and x_in.shape == shape and x_in.dtype == x.dtype):
            x_in = np.empty_like(x, shape=shape, order="C")
        return states, x_in
