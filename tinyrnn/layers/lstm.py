"""LSTM: an RNN whose cell is an LSTMCell, with a sequence-level fast path."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._validation import check_grad, checked_input
from .lstm_cell import LSTMCell
from .recurrent_state import State, mask_step_grads, valid_steps
from .rnn import RNN


class LSTM(RNN):
    """x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.

    An `RNN` with `cell=LSTMCell(...)` (state_dict keys `cell.weight_ih`, ...); everything else
    is inherited. The recurrent state is the pair (h, c), each (batch, hidden): `h0` is a tuple
    (h0, c0) or None for zeros, `rnn.h_n` is the tuple (h_n, c_n), `rnn.grad_h0` the tuple
    (dL/dh0, dL/dc0), and `stateful=True` carries both. The outputs are the h_t only; many-to-one
    returns the h of the last step. `lengths=` works as for `RNN` (h_n: each sample's last valid
    (h, c)). Same results as `torch.nn.LSTM(batch_first=True)` (packed sequences for `lengths`).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        return_sequences: bool = True,
        stateful: bool = False,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        cell = LSTMCell(input_size, hidden_size, bias, dtype=dtype, rng=rng)
        super().__init__(cell=cell, return_sequences=return_sequences, stateful=stateful)

    def forward(self, x: Any, h0: Any = None, lengths: Any = None) -> np.ndarray:
        """x: (batch, time, input), h0: a pair (h0, c0) or None, lengths: (batch,) or None."""
        # Checked here first only so that a bad input's error names this layer, not RNN.
        x = checked_input(x, self._dtype(), ("batch", "time", self.input_size), "LSTM")
        return super().forward(x, h0, lengths)

    def _initial_state(self, h0: Any, x: np.ndarray) -> State:
        # Check a given (h0, c0) here, so that errors name this layer rather than RNN.
        if h0 is not None:
            h0 = self._lstm_cell().check_state(h0, x.shape[0], "LSTM")
        return super()._initial_state(h0, x)

    def _lstm_cell(self) -> LSTMCell:
        assert isinstance(self.cell, LSTMCell)
        return self.cell

    def _uses_fast_path(self) -> bool:
        # The fused kernels know only the built-in step math (a subclassed cell runs its own).
        cell_type = type(self.cell)
        return cell_type.forward is LSTMCell.forward and cell_type.backward is LSTMCell.backward

    def _forward_fast(
        self, x: np.ndarray, state: State, lengths: np.ndarray | None = None
    ) -> tuple[np.ndarray, State]:
        cell = self._lstm_cell()
        h0, c0 = state
        # Time-major inside: each step then reads one contiguous (batch, hidden) block.
        x_time_major = np.ascontiguousarray(x.transpose(1, 0, 2))
        valid = None if lengths is None else valid_steps(lengths, x.shape[1])
        if valid is not None:
            # Padding is trailing, so steps past a sample's length never feed its valid ones:
            # they run too, on zeros (padding is never read), and their results are dropped.
            x_time_major = np.where(valid[:, :, None], x_time_major, 0)
        h, c, gates = F.lstm_forward(
            x_time_major, h0, c0, cell.weight_ih.data, cell.weight_hh.data, cell.combined_bias()
        )
        self.save_for_backward(("fast", x_time_major, h0, c0, h, c, gates, valid))
        # A transposed view, no copy (RNN.forward makes it read-only when h is cached).
        outputs = h.transpose(1, 0, 2)
        if valid is None:
            return outputs, (h[-1], c[-1])
        # Zero outputs at padded steps, as PyTorch's pad_packed_sequence. h there is read in
        # backward only against dL/da_t = 0 (padded steps get no gradient): zeroing is safe.
        h[~valid] = 0
        last = valid.sum(axis=0) - 1, np.arange(x.shape[0])  # each sample's last valid step
        return outputs, (h[last], c[last])

    def _backward_fast(self, grad_output: np.ndarray, *cache: Any) -> np.ndarray | None:
        # *cache: RNN's hook has the vanilla cache's signature; this one is _forward_fast's.
        x, h0, c0, h, c, gates, valid = cache
        cell = self._lstm_cell()
        steps, batch = x.shape[:2]
        grad_output = check_grad(grad_output, self._expected_grad_shape(batch, steps), "LSTM")
        grad_output = grad_output.astype(h.dtype, copy=False)  # no float64 leaks into dc0
        # dL/dh_t from outside, time-major: padded steps get none; many-to-one feeds the last
        # (valid) step alone.
        grad_h = grad_output.transpose(1, 0, 2) if self.return_sequences else grad_output
        if valid is not None:
            grad_h = mask_step_grads(grad_h, valid)
        elif not self.return_sequences:
            grad_h = np.zeros_like(h)
            grad_h[-1] = grad_output
        grad_x, grad_h0, grad_c0, grad_w_ih, grad_w_hh, grad_b = F.lstm_backward(
            grad_h,
            None,
            h,
            c,
            gates,
            x,
            h0,
            c0,
            cell.weight_ih.data,
            cell.weight_hh.data,
            needs_input_grad=self.needs_input_grad,
        )
        cell.accumulate_grads(grad_w_ih, grad_w_hh, grad_b)
        self.grad_h0 = (grad_h0, grad_c0)
        if grad_x is None:
            return None
        return np.ascontiguousarray(grad_x.transpose(1, 0, 2))
