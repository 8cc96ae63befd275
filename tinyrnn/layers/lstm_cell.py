"""LSTMCell: one step of the long short-term memory cell, PyTorch's parameters and gate order."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._config import resolve_dtype, resolve_rng
from .._validation import check_grad, check_not_empty, checked_input
from ..module import Module
from ..parameter import Parameter


class LSTMCell(Module):
    """One step.  x_t: (batch, input), (h_prev, c_prev): 2 x (batch, hidden) -> (h_t, c_t)

    Gates i, f, g, o are stacked in that order along the first axis of `weight_ih`
    (4 * hidden, input), `weight_hh` (4 * hidden, hidden), `bias_ih` and `bias_hh` (4 * hidden,).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"LSTMCell: input_size and hidden_size must be >= 1, got {input_size} and "
                f"{hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        dtype, rng = resolve_dtype(dtype, "LSTMCell"), resolve_rng(rng, "LSTMCell")
        # PyTorch's init: every parameter uniform in +-1/sqrt(hidden_size).
        bound, rows = 1.0 / np.sqrt(hidden_size), 4 * hidden_size
        self.weight_ih = Parameter(rng.uniform(-bound, bound, (rows, input_size)), dtype)
        self.weight_hh = Parameter(rng.uniform(-bound, bound, (rows, hidden_size)), dtype)
        self.bias_ih = Parameter(rng.uniform(-bound, bound, rows), dtype) if bias else None
        self.bias_hh = Parameter(rng.uniform(-bound, bound, rows), dtype) if bias else None

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the parameters, states and gradients."""
        return self.weight_hh.data.dtype

    def combined_bias(self) -> np.ndarray | None:
        """b_ih + b_hh: the two biases always appear summed, so the kernels add them once."""
        if self.bias_ih is None or self.bias_hh is None:
            return None
        return self.bias_ih.data + self.bias_hh.data

    def initial_state(self, batch_size: int, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(h, c), each zeros (batch, hidden) in this cell's dtype: the state when none is given."""
        shape = (batch_size, self.hidden_size)
        return (
            np.zeros_like(like, dtype=self.dtype, shape=shape),
            np.zeros_like(like, dtype=self.dtype, shape=shape),
        )

    def check_state(
        self, state: Any, batch_size: int, who: str = "LSTMCell"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Convert and check a state: must be a tuple (h, c) of two (batch, hidden) arrays."""
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            got = (
                f"an array of shape {np.shape(state)}"
                if isinstance(state, np.ndarray)
                else type(state).__name__
            )
            raise TypeError(
                f"{who}: an LSTM state is a tuple (h, c) of two (batch, hidden) = "
                f"({batch_size}, {self.hidden_size}) arrays, got {got}"
            )
        spec = (batch_size, self.hidden_size)
        return (
            checked_input(state[0], self.dtype, spec, who, "hidden state h"),
            checked_input(state[1], self.dtype, spec, who, "cell state c"),
        )

    def forward(self, x: Any, state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """x_t: (batch, input), state: (h_prev, c_prev) or None (zeros) -> (h_t, c_t)."""
        x = checked_input(x, self.dtype, ("batch", self.input_size), "LSTMCell")
        check_not_empty(x, "LSTMCell")
        batch = x.shape[0]
        h_prev, c_prev = (
            self.initial_state(batch, x) if state is None else self.check_state(state, batch)
        )
        # A one-step run of the sequence kernel: the math lives in one place.
        h, c, gates = F.lstm_forward(
            x[None], h_prev, c_prev, self.weight_ih.data, self.weight_hh.data, self.combined_bias()
        )
        self.save_for_backward((x, h_prev, c_prev, h, c, gates))
        # Copies, so that nothing the caller does to them can reach the cache.
        return h[0].copy(), c[0].copy()

    def backward(self, grad_output: Any) -> tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray]]:
        """(dL/dh_t, dL/dc_t or None) -> (dL/dx_t, (dL/dh_prev, dL/dc_prev)); adds param grads.

        dL/dx_t is None when `needs_input_grad` is False.
        """
        x, h_prev, c_prev, h, c, gates = self.pop_saved()
        if not isinstance(grad_output, (tuple, list)) or len(grad_output) != 2:
            raise TypeError(
                "LSTMCell.backward: expected a tuple (dL/dh_t, dL/dc_t), "
                f"got {type(grad_output).__name__}"
            )
        # Gradients in the cell's dtype: a float64 dL/dc_t must not upcast dL/dc_prev.
        grad_h = check_grad(grad_output[0], h_prev.shape, "LSTMCell").astype(h.dtype, copy=False)
        grad_c = grad_output[1]
        if grad_c is not None:
            grad_c = check_grad(grad_c, c_prev.shape, "LSTMCell").astype(h.dtype, copy=False)
        grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b = F.lstm_backward(
            grad_h[None],
            grad_c,
            h,
            c,
            gates,
            x[None],
            h_prev,
            c_prev,
            self.weight_ih.data,
            self.weight_hh.data,
            needs_input_grad=self.needs_input_grad,
        )
        self.accumulate_grads(grad_w_ih, grad_w_hh, grad_b)
        return (None if grad_x is None else grad_x[0]), (grad_h_prev, grad_c_prev)

    def accumulate_grads(
        self, grad_weight_ih: np.ndarray, grad_weight_hh: np.ndarray, grad_bias: np.ndarray
    ) -> None:
        """Add a backward's results into the parameters' `.grad` (the bias gradient feeds both)."""
        self.weight_ih.grad += grad_weight_ih
        self.weight_hh.grad += grad_weight_hh
        if self.bias_ih is not None and self.bias_hh is not None:
            self.bias_ih.grad += grad_bias
            self.bias_hh.grad += grad_bias

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            ", bias=False" if self.bias_ih is None else ""
        )
