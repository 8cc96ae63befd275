"""RNN: runs a recurrent cell over time; backward() is backpropagation through time (BPTT)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._config import get_default_dtype
from .._validation import check_grad, checked_input
from ..module import Module
from .recurrent_state import (
    State,
    add_to_output,
    copy_state,
    state_batch_size,
    state_output,
    zeros_like_state,
)
from .rnn_cell import RNNCell


class RNN(Module):
    """x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.

    Built-in `RNNCell`s run on a fast path (one GEMM for the input projection, BPTT with the
    weight gradients as single GEMMs after the loop); any other cell runs step by step through
    its own forward/backward (the general path). Both compute the same thing.
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

    @property
    def hidden_size(self) -> int:
        return int(getattr(self.cell, "hidden_size"))

    @property
    def input_size(self) -> int | None:
        return getattr(self.cell, "input_size", None)

    def reset_state(self) -> None:
        """Forget the carried hidden state: the next forward starts from zeros (or its h0)."""
        self.h_n = None

    def _dtype(self) -> np.dtype[Any]:
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

    def forward(self, x: Any, h0: Any = None) -> np.ndarray:
        """x: (batch, time, input), h0: (batch, hidden) or None -> outputs (see class doc)."""
        spec = ("batch", "time", self.input_size if self.input_size is not None else "input")
        x = checked_input(x, self._dtype(), spec, "RNN")
        if x.shape[1] == 0:
            raise ValueError(f"RNN: the input has no time steps (shape {x.shape})")
        state = self._initial_state(h0, x)
        if self._uses_fast_path():
            outputs, last = self._forward_fast(x, state)
        else:
            outputs, last = self._forward_general(x, state)
        self.h_n = copy_state(last)
        return outputs if self.return_sequences else state_output(last).copy()

    def _forward_fast(self, x: np.ndarray, h0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cell = self.cell
        assert isinstance(cell, RNNCell)
        # Time-major inside: each step then reads one contiguous (batch, hidden) block.
        x_time_major = np.ascontiguousarray(x.transpose(1, 0, 2))
        h = F.rnn_forward(
            x_time_major,
            h0,
            cell.weight_ih.data,
            cell.weight_hh.data,
            cell.combined_bias(),
            cell.nonlinearity,
        )
        self._save(("fast", x_time_major, h0, h))
        # The returned array is a fresh copy: the cache can never be changed through it.
        return np.ascontiguousarray(h.transpose(1, 0, 2)), h[-1]

    def _forward_general(self, x: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        steps = x.shape[1]
        outputs = []
        for t in range(steps):
            state = self.cell(x[:, t], state)
            outputs.append(state_output(state))
        self._save(("general", steps, x.shape, state))
        return np.stack(outputs, axis=1), state

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
        self, grad_output: np.ndarray, x: np.ndarray, h0: np.ndarray, h: np.ndarray
    ) -> np.ndarray:
        cell = self.cell
        assert isinstance(cell, RNNCell)
        steps, batch = x.shape[:2]
        grad_output = check_grad(grad_output, self._expected_grad_shape(batch, steps), "RNN")
        if self.return_sequences:
            grad_h = grad_output.transpose(1, 0, 2)
        else:
            # Many-to-one: only the last step receives a gradient from outside.
            grad_h = np.zeros_like(h)
            grad_h[-1] = grad_output
        grad_x, grad_h0, grad_w_ih, grad_w_hh, grad_b = F.rnn_backward(
            grad_h, h, x, h0, cell.weight_ih.data, cell.weight_hh.data, cell.nonlinearity
        )
        cell.accumulate_grads(grad_w_ih, grad_w_hh, grad_b)
        self.grad_h0 = grad_h0
        return np.ascontiguousarray(grad_x.transpose(1, 0, 2))

    def _backward_general(
        self, grad_output: np.ndarray, steps: int, x_shape: tuple[int, ...], last: State
    ) -> np.ndarray:
        batch = x_shape[0]
        grad_output = check_grad(grad_output, self._expected_grad_shape(batch, steps), "RNN")
        grad_x = None
        # BPTT: walk the steps backwards; the cell's backward turns dL/dh_t (the gradient from
        # the output at t plus the one carried back from t+1) into dL/dx_t and dL/dh_{t-1}.
        grad_state = zeros_like_state(last)
        for t in range(steps - 1, -1, -1):
            if self.return_sequences:
                grad_state = add_to_output(grad_state, grad_output[:, t])
            elif t == steps - 1:
                grad_state = add_to_output(grad_state, grad_output)
            grad_x_t, grad_state = self.cell.backward(grad_state)
            if grad_x is None:
                grad_x = np.empty_like(grad_x_t, shape=(batch, steps) + grad_x_t.shape[1:])
            grad_x[:, t] = grad_x_t
        self.grad_h0 = grad_state
        assert grad_x is not None
        return grad_x

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}, stateful={self.stateful}"
