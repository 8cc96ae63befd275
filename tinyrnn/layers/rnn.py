"""RNN: runs a recurrent cell over time; backward() is backpropagation through time (BPTT)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .._config import get_default_dtype, is_grad_enabled
from .._validation import check_grad, check_not_empty, checked_input
from ..module import Module
from .recurrent_state import (
    State,
    check_lengths,
    copy_state,
    state_batch_size,
    state_output,
    valid_steps,
)
from .rnn_cell import RNNCell
from .rnn_fast import FusedRNN
from .rnn_general import cells_backward, cells_forward


class RNN(Module):
    """x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.

    `rnn(x, h0=None, lengths=None)`: `lengths` (batch,) integers in [1, time] make a
    variable-length batch: steps t >= lengths[b] are padding, which neither changes the state nor
    receives a gradient; outputs there are zero (as PyTorch's pad_packed_sequence), `h_n` and the
    many-to-one output are each sample's last valid state.

    Built-in `RNNCell`s run on a fast path (one GEMM for the input projection, BPTT with the
    weight gradients as single GEMMs after the loop); any other cell runs step by step through
    its own forward/backward (the general path). Both compute the same thing; the bookkeeping of
    each lives beside this file (rnn_fast.FusedRNN, rnn_general), the math in
    tinyrnn.functional.recurrent.

    Subclassing hooks (LSTM and GRU use them; keep their names and meanings):
    `cell`, `return_sequences`, `stateful`, `h_n`, `grad_h0`, `reset_state()`;
    `_initial_state(h0, x) -> state` (checked; the carried `h_n` when stateful);
    `_uses_fast_path() -> bool`; `_forward_fast(x, h0[, lengths]) -> (outputs, last_state)`
    with outputs batch-first (a view of the cache is fine: forward makes it read-only; never a
    view of a buffer a later call reuses), caching
    `("fast", *items)` by `self._save` (`lengths` is passed only when given: an override without
    that parameter gets the general path for variable-length batches);
    `_backward_fast(grad_output, *items) -> dx` (None when `needs_input_grad` is False),
    which sets `grad_h0` and adds into the cell's grads; `_forward_general` /
    `_backward_general`, the same for the `("general", ...)` cache;
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
        self._fused = FusedRNN()  # the fast path's kernels and reusable buffers

    @property
    def hidden_size(self) -> int:
        """The cell's hidden size: features per step of the output."""
        return int(self.cell.hidden_size)

    @property
    def input_size(self) -> int | None:
        """The cell's input size, or None for a cell that does not declare one."""
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
        batch, name = x.shape[0], type(self).__name__
        if h0 is None and self.stateful and self.h_n is not None:
            if state_batch_size(self.h_n) != batch:
                raise ValueError(
                    f"{name} (stateful): the carried state has batch "
                    f"{state_batch_size(self.h_n)}, the input has batch {batch}; "
                    "call reset_state() first"
                )
            return self.h_n
        check_state = getattr(self.cell, "check_state", None)
        if h0 is None:
            initial_state = getattr(self.cell, "initial_state", None)
            if initial_state is not None:
                return initial_state(batch, x)
            return np.zeros_like(x, shape=(batch, self.hidden_size))
        if check_state is not None:
            return check_state(h0, batch, name)
        if isinstance(h0, tuple):
            return h0
        return checked_input(h0, x.dtype, (batch, self.hidden_size), name, "h0")

    def forward(self, x: Any, h0: Any = None, lengths: Any = None) -> np.ndarray:
        """x: (batch, time, input), h0: (batch, hidden) or None, lengths: (batch,) or None."""
        name = type(self).__name__  # LSTM and GRU run through here too
        spec = ("batch", "time", self.input_size if self.input_size is not None else "input")
        x = checked_input(x, self._dtype(), spec, name)
        # Refused as docs/behaviour.md says (PyTorch refuses time 0 too, but returns empty
        # results for batch 0).
        check_not_empty(x, name)
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
        if not self.return_sequences:
            return state_output(last).copy()
        if is_grad_enabled():
            # The fast paths return a view of what backward needs (no copy, like PyTorch's
            # batch-first outputs): read-only, so that writing into it raises instead of
            # silently corrupting the gradients. Every path does this, for one rule.
            outputs.flags.writeable = False
        return outputs

    def _forward_fast(
        self, x: np.ndarray, h0: np.ndarray, lengths: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        assert isinstance(self.cell, RNNCell)
        outputs, last, cache = self._fused.forward(self.cell, x, h0, lengths, is_grad_enabled())
        if cache is not None:
            self.save_for_backward(("fast",) + cache)
        return outputs, last  # (for many-to-one, forward() returns a copy of `last` alone)

    def _forward_general(
        self, x: np.ndarray, state: State, lengths: np.ndarray | None = None
    ) -> tuple[np.ndarray, State]:
        valid = None if lengths is None else valid_steps(lengths, x.shape[1])
        outputs, state = cells_forward(self.cell, x, state, valid)
        self.save_for_backward(("general", x.shape[1], x.shape, state, valid))
        return outputs, state

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        """dL/d(outputs) -> dL/dx (batch, time, input); sets `grad_h0`; adds the cell's grads.

        Returns None (dx is not computed) when `needs_input_grad` is False.
        """
        cache = self.pop_saved()
        if cache[0] == "fast":
            return self._backward_fast(grad_output, *cache[1:])
        return self._backward_general(grad_output, *cache[1:])

    def _expected_grad_shape(self, batch: int, steps: int) -> tuple[int, ...]:
        if self.return_sequences:
            return (batch, steps, self.hidden_size)
        return (batch, self.hidden_size)

    def _backward_fast(self, grad_output: np.ndarray, *cache: Any) -> np.ndarray | None:
        assert isinstance(self.cell, RNNCell)
        steps, batch = cache[0].shape[:2]  # the time-major input
        grad_output = check_grad(
            grad_output, self._expected_grad_shape(batch, steps), type(self).__name__
        )
        # dL/dh_t from outside: a time-major view, or (batch, hidden) for many-to-one, which
        # reaches the last step alone.
        grad_h = grad_output.transpose(1, 0, 2) if self.return_sequences else grad_output
        grad_x, self.grad_h0 = self._fused.backward(self.cell, grad_h, cache, self.needs_input_grad)
        return grad_x

    def _backward_general(
        self,
        grad_output: np.ndarray,
        steps: int,
        x_shape: tuple[int, ...],
        last: State,
        valid: np.ndarray | None = None,
    ) -> np.ndarray | None:
        expected = self._expected_grad_shape(x_shape[0], steps)
        grad_output = check_grad(grad_output, expected, type(self).__name__)
        grad_x, self.grad_h0 = cells_backward(
            self.cell, grad_output, steps, last, valid, self.return_sequences, self.needs_input_grad
        )
        return grad_x

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}, stateful={self.stateful}"


def _takes_lengths(method: Any) -> bool:
    """Whether a (possibly overridden) `_forward_fast` accepts the `lengths` keyword."""
    return "lengths" in inspect.signature(method).parameters
