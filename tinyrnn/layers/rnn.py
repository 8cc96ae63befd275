"""RNN: runs a recurrent cell over time; backward() is backpropagation through time (BPTT)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .._config import get_default_dtype, is_grad_enabled
from .._validation import check_grad, checked_input
from ..functional.recurrent import rnn_backward_states, rnn_forward_states
from ..module import Module
from .recurrent_state import (
    State,
    add_states,
    add_to_output,
    check_lengths,
    copy_state,
    select_state,
    state_batch_size,
    state_output,
    valid_steps,
    zeros_like_state,
)
from .rnn_cell import RNNCell


class RNN(Module):
    """x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.

    `rnn(x, h0=None, lengths=None)`: `lengths` (batch,) integers in [1, time] make a
    variable-length batch: steps t >= lengths[b] are padding, which neither changes the state nor
    receives a gradient; outputs there are zero (as PyTorch's pad_packed_sequence), `h_n` and the
    many-to-one output are each sample's last valid state.

    Built-in `RNNCell`s run on a fast path (one GEMM for the input projection, BPTT with the
    weight gradients as single GEMMs after the loop); any other cell runs step by step through
    its own forward/backward (the general path). Both compute the same thing.

    Subclassing hooks (LSTM and GRU use them; keep their names and meanings):
    `cell`, `return_sequences`, `stateful`, `h_n`, `grad_h0`, `reset_state()`;
    `_initial_state(h0, x) -> state` (checked; the carried `h_n` when stateful);
    `_uses_fast_path() -> bool`; `_forward_fast(x, h0[, lengths]) -> (outputs, last_state)`
    with outputs batch-first and never a view of anything cached or reused, caching
    `("fast", *items)` by `self._save` (`lengths` is passed only when given: an override without
    that parameter gets the general path for variable-length batches);
    `_backward_fast(grad_output, *items) -> dx`, which sets `grad_h0` and adds into the cell's
    grads; `_forward_general` / `_backward_general`, the same for the `("general", ...)` cache;
    `_expected_grad_shape(batch, steps)`.
    """

    def __init__(
        self,
        input_size: int | None = None,
        hidden_size: int | None = None,
        *,
        nonlinearity: str = "tanh",
        bias: bool = True,
        return_sequences: bool = True,
        stateful: bool = False,
        cell: Module | None = None,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if cell is None:
            if input_size is None or hidden_size is None:
                raise TypeError("RNN: give input_size and hidden_size, or cell=")
            cell = RNNCell(input_size, hidden_size, bias, nonlinearity, dtype=dtype, rng=rng)
        elif input_size is not None or hidden_size is not None:
            raise TypeError("RNN: give either input_size and hidden_size or cell=, not both")
        if not isinstance(cell, Module) or not hasattr(cell, "hidden_size"):
            raise TypeError(
                f"RNN: cell must be a Module with a hidden_size attribute, "
                f"got {type(cell).__name__}"
            )
        self.cell = cell
        self.return_sequences = return_sequences
        self.stateful = stateful
        self.h_n: State | None = None
        self.grad_h0: State | None = None
        # BPTT's (time, batch, hidden) dL/da scratch, reused by backward calls of one shape.
        self._grad_a: np.ndarray | None = None
        # The (states, time-major x) buffers of the last finished call, which the next forward
        # of the same shape reuses: allocating and first touching megabytes on every call costs
        # more than the arithmetic on them. Never part of a pending cache, never returned.
        self._spare: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def hidden_size(self) -> int:
        return int(self.cell.hidden_size)

    @property
    def input_size(self) -> int | None:
        return getattr(self.cell, "input_size", None)

    def reset_state(self) -> None:
        """Forget the carried hidden state: the next forward starts from zeros (or its h0)."""
        self.h_n = None

    def _dtype(self) -> np.dtype[Any]:
        dtype = getattr(self.cell, "dtype", None)  # a cell's own attribute: no parameter walk
        if isinstance(dtype, np.dtype):
            return dtype
        for param in self.cell.parameters():
            return param.data.dtype
        return get_default_dtype()

    def _uses_fast_path(self) -> bool:
        # Only the built-in step math is known to the fused kernels; a subclass that overrides
        # forward or backward gets the general path, which calls its own code.
        cell_type = type(self.cell)
        return cell_type.forward is RNNCell.forward and cell_type.backward is RNNCell.backward

    def _initial_state(self, h0: Any, x: np.ndarray) -> State:
        batch = x.shape[0]
        if h0 is None and self.stateful and self.h_n is not None:
            if state_batch_size(self.h_n) != batch:
                raise ValueError(
                    f"RNN (stateful): the carried state has batch {state_batch_size(self.h_n)}, "
                    f"the input has batch {batch}; call reset_state() first"
                )
            return self.h_n
        check_state = getattr(self.cell, "check_state", None)
        if h0 is None:
            initial_state = getattr(self.cell, "initial_state", None)
            if initial_state is not None:
                return initial_state(batch, x)
            return np.zeros_like(x, shape=(batch, self.hidden_size))
        if check_state is not None:
            return check_state(h0, batch, "RNN")
        if isinstance(h0, tuple):
            return h0
        return checked_input(h0, x.dtype, (batch, self.hidden_size), "RNN", "h0")

    def forward(self, x: Any, h0: Any = None, lengths: Any = None) -> np.ndarray:
        """x: (batch, time, input), h0: (batch, hidden) or None, lengths: (batch,) or None."""
        spec = ("batch", "time", self.input_size if self.input_size is not None else "input")
        x = checked_input(x, self._dtype(), spec, "RNN")
        if x.shape[1] == 0:
            raise ValueError(f"RNN: the input has no time steps (shape {x.shape})")
        state = self._initial_state(h0, x)
        if lengths is None:
            if self._uses_fast_path():
                outputs, last = self._forward_fast(x, state)
            else:
                outputs, last = self._forward_general(x, state)
        else:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1], type(self).__name__)
            if self._uses_fast_path() and _takes_lengths(self._forward_fast):
                outputs, last = self._forward_fast(x, state, lengths=lengths)
            else:
                outputs, last = self._forward_general(x, state, lengths=lengths)
        self.h_n = copy_state(last)
        return outputs if self.return_sequences else state_output(last).copy()

    def _forward_fast(
        self, x: np.ndarray, h0: np.ndarray, lengths: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        cell = self.cell
        assert isinstance(cell, RNNCell)
        batch, steps, inputs = x.shape
        # Time-major inside, so that each step reads one contiguous (batch, hidden) block; the
        # states carry h0 as row 0, so that h_{t-1} of every step is the view states[:-1]. The
        # bias enters as a column of ones in x against a column b in W_ih (see the kernels).
        weight_in = cell.input_weight()
        states, x_in = self._take_buffers(x, weight_in.shape[1])
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
        # A copy: the outputs must never be a view of the cache or of a reused buffer. For
        # many-to-one, forward() returns a copy of `last` alone.
        outputs = states[1:].transpose(1, 0, 2)
        if self.return_sequences:
            outputs = outputs.copy(order="C")
        if is_grad_enabled():
            self._save(("fast", x_in, weight_in, states, valid))
        else:
            last = last.copy()
            self._spare = (states, x_in)
        return outputs, last

    def _take_buffers(self, x: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
        """(states (time + 1, batch, hidden), time-major input (time, batch, columns)): the spare
        pair of a finished call if it fits, else new arrays."""
        batch, steps, _ = x.shape
        shape = (steps + 1, batch, self.hidden_size)
        spare, self._spare = self._spare, None
        if spare is not None and spare[0].shape == shape and spare[1].shape[2] == columns:
            if spare[0].dtype == x.dtype:
                return spare
        return (
            np.empty_like(x, shape=shape, order="C"),
            np.empty_like(x, shape=(steps, batch, columns), order="C"),
        )

    def _forward_general(
        self, x: np.ndarray, state: State, lengths: np.ndarray | None = None
    ) -> tuple[np.ndarray, State]:
        batch, steps = x.shape[:2]
        valid = None if lengths is None else valid_steps(lengths, steps)
        if valid is not None:
            # The cell runs on padded steps too (then discarded): feed it zeros, never padding.
            x = np.where(valid.T[:, :, None], x, 0)
        outputs = None
        for t in range(steps):
            new_state = self.cell(x[:, t], state)
            # h_t = cell(x_t, h_{t-1}) on valid steps; padding keeps h_{t-1} (per sample).
            state = new_state if valid is None else select_state(valid[t], new_state, state)
            output = state_output(state)
            if outputs is None:
                outputs = np.empty_like(output, shape=(batch, steps) + output.shape[1:], order="C")
            outputs[:, t] = output
        assert outputs is not None
        if valid is not None:
            outputs[~valid.T] = 0
        self._save(("general", steps, x.shape, state, valid))
        return outputs, state

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """dL/d(outputs) -> dL/dx (batch, time, input); sets `grad_h0`; adds the cell's grads."""
        cache = self._pop()
        if cache[0] == "fast":
            return self._backward_fast(grad_output, *cache[1:])
        return self._backward_general(grad_output, *cache[1:])

    def _expected_grad_shape(self, batch: int, steps: int) -> tuple[int, ...]:
        if self.return_sequences:
            return (batch, steps, self.hidden_size)
        return (batch, self.hidden_size)

    def _backward_fast(
        self,
        grad_output: np.ndarray,
        x_in: np.ndarray,
        weight_in: np.ndarray,
        states: np.ndarray,
        valid: np.ndarray | None,
    ) -> np.ndarray:
        cell = self.cell
        assert isinstance(cell, RNNCell)
        steps, batch = x_in.shape[:2]
        grad_output = check_grad(grad_output, self._expected_grad_shape(batch, steps), "RNN")
        # dL/dh_t from outside: time-major view (time, batch, hidden), or (batch, hidden) for
        # many-to-one, which the kernel applies to the last step alone.
        grad_h = grad_output.transpose(1, 0, 2) if self.return_sequences else grad_output
        if valid is not None:
            grad_h = _mask_grad(grad_h, valid)
        grad_a = self._grad_a
        if grad_a is None or grad_a.shape != states[1:].shape or grad_a.dtype != states.dtype:
            grad_a = self._grad_a = np.empty_like(states[1:])
        # dx overwrites x_in, which this call no longer needs (the kernel reads it first).
        grad_x, grad_h0, grad_w_in, grad_w_hh = rnn_backward_states(
            grad_h, states, x_in, weight_in, cell.weight_hh.data, cell.nonlinearity, grad_a, x_in
        )
        cell.accumulate_input_grads(grad_w_in, grad_w_hh)
        self.grad_h0 = grad_h0
        self._spare = (states, x_in)  # this call is over: its buffers serve the next forward
        # A copy, never a view of x_in (which the next forward reuses).
        return grad_x[:, :, : cell.input_size].transpose(1, 0, 2).copy(order="C")

    def _backward_general(
        self,
        grad_output: np.ndarray,
        steps: int,
        x_shape: tuple[int, ...],
        last: State,
        valid: np.ndarray | None = None,
    ) -> np.ndarray:
        batch = x_shape[0]
        grad_output = check_grad(grad_output, self._expected_grad_shape(batch, steps), "RNN")
        grad_x = None
        # BPTT: walk the steps backwards; the cell's backward turns dL/dh_t (the gradient from
        # the output at t plus the one carried back from t+1) into dL/dx_t and dL/dh_{t-1}.
        grad_state = zeros_like_state(last)
        for t in range(steps - 1, -1, -1):
            if self.return_sequences:
                grad_t = grad_output[:, t]
                if valid is not None:  # the outputs at padded steps are constant zeros
                    grad_t = np.where(valid[t][:, None], grad_t, 0)
                grad_state = add_to_output(grad_state, grad_t)
            elif t == steps - 1:
                grad_state = add_to_output(grad_state, grad_output)
            if valid is None:
                grad_x_t, grad_state = self.cell.backward(grad_state)
            else:
                # h_t = where(valid, cell(x_t, h_{t-1}), h_{t-1}): the cell gets the gradient of
                # the valid samples, the padded ones pass theirs straight on to h_{t-1}.
                zero = zeros_like_state(grad_state)
                grad_x_t, grad_prev = self.cell.backward(select_state(valid[t], grad_state, zero))
                grad_state = add_states(grad_prev, select_state(valid[t], zero, grad_state))
            if grad_x is None:
                shape = (batch, steps) + grad_x_t.shape[1:]
                grad_x = np.empty_like(grad_x_t, shape=shape, order="C")
            grad_x[:, t] = grad_x_t
        self.grad_h0 = grad_state
        assert grad_x is not None
        return grad_x

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}, stateful={self.stateful}"


def _takes_lengths(method: Any) -> bool:
    """Whether a (possibly overridden) `_forward_fast` accepts the `lengths` keyword."""
    return "lengths" in inspect.signature(method).parameters


def _mask_grad(grad_h: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """dL/dh_t from outside, time-major, with padded steps zeroed (they receive no gradient).

    grad_h: (time, batch, hidden), or (batch, hidden) for each sample's last valid step.
    """
    if grad_h.ndim == 3:
        return np.where(valid[:, :, None], grad_h, 0)
    lengths = valid.sum(axis=0)
    dense = np.zeros_like(grad_h, shape=valid.shape + grad_h.shape[1:], order="C")
    dense[lengths - 1, np.arange(valid.shape[1])] = grad_h
    return dense
