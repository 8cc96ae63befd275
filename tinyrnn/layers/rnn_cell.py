"""RNNCell: one step of the Elman RNN, h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from .._validation import check_grad, check_not_empty, checked_input
from ..functional.recurrent import (
    check_nonlinearity,
    rnn_backward_states,
    rnn_forward_states,
    with_ones,
)
from ..module import Module
from ..parameter import Parameter


class RNNCell(Module):
    """One step.  x_t: (batch, input), h_prev: (batch, hidden) -> h_t: (batch, hidden)"""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"RNNCell: input_size and hidden_size must be >= 1, got {input_size} and "
                f"{hidden_size}"
            )
        check_nonlinearity(nonlinearity)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.nonlinearity = nonlinearity
        dtype, rng = resolve_dtype(dtype, "RNNCell"), resolve_rng(rng, "RNNCell")
        # PyTorch's init: every parameter uniform in +-1/sqrt(hidden_size).
        bound = 1.0 / np.sqrt(hidden_size)
        self.weight_ih = Parameter(rng.uniform(-bound, bound, (hidden_size, input_size)), dtype)
        self.weight_hh = Parameter(rng.uniform(-bound, bound, (hidden_size, hidden_size)), dtype)
        self.bias_ih = Parameter(rng.uniform(-bound, bound, hidden_size), dtype) if bias else None
        self.bias_hh = Parameter(rng.uniform(-bound, bound, hidden_size), dtype) if bias else None

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the parameters, states and gradients."""
        return self.weight_hh.data.dtype

    def combined_bias(self) -> np.ndarray | None:
        """b_ih + b_hh: the two biases always appear summed, so the kernels add them once."""
        if self.bias_ih is None or self.bias_hh is None:
            return None
        return self.bias_ih.data + self.bias_hh.data

    def initial_state(self, batch_size: int, like: np.ndarray) -> np.ndarray:
        """Zeros (batch, hidden) in this cell's dtype: the state when none is given."""
        shape = (batch_size, self.hidden_size)
        return np.zeros_like(like, dtype=self.dtype, shape=shape, order="C")

    def check_state(self, h: Any, batch_size: int, who: str = "RNNCell") -> np.ndarray:
        """Convert and check a hidden state: must be (batch, hidden)."""
        return checked_input(h, self.dtype, (batch_size, self.hidden_size), who, "hidden state")

    def input_weight(self) -> np.ndarray:
        """[W_ih | b_ih + b_hh] (hidden, input + 1), or W_ih without bias: the bias rides as the
        weight of a column of ones in the input (see tinyrnn.functional.recurrent)."""
        bias = self.combined_bias()
        if bias is None:
            return self.weight_ih.data
        return np.concatenate((self.weight_ih.data, bias[:, None]), axis=1)

    def forward(self, x: Any, h_prev: Any = None) -> np.ndarray:
        """x_t: (batch, input), h_prev: (batch, hidden) or None (zeros) -> h_t: (batch, hidden)."""
        x = checked_input(x, self.dtype, ("batch", self.input_size), "RNNCell")
        check_not_empty(x, "RNNCell")
        h_prev = (
            self.initial_state(x.shape[0], x)
            if h_prev is None
            else self.check_state(h_prev, x.shape[0])
        )
        # A one-step run of the sequence kernel: the math lives in one place.
        weight_in = self.input_weight()
        x_in = x if weight_in.shape[1] == self.input_size else with_ones(x)
        states = np.empty_like(h_prev, shape=(2,) + h_prev.shape, order="C")
        states[0] = h_prev
        rnn_forward_states(x_in[None], states, weight_in, self.weight_hh.data, self.nonlinearity)
        self.save_for_backward((x_in, weight_in, states))
        # A copy: backward needs states[1] as it was, and the caller may write into its output.
        return states[1].copy()

    def backward(self, grad_output: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dh_t: (batch, hidden) -> (dL/dx_t (batch, input) or None, dL/dh_prev (batch, hidden)).

        dL/dx_t is None when `needs_input_grad` is False.
        """
        x_in, weight_in, states = self.pop_saved()
        grad_output = check_grad(grad_output, states[1].shape, "RNNCell")
        grad_x, grad_h_prev, grad_w_in, grad_w_hh = rnn_backward_states(
            grad_output[None],
            states,
            x_in[None],
            weight_in,
            self.weight_hh.data,
            self.nonlinearity,
            needs_input_grad=self.needs_input_grad,
        )
        self.accumulate_input_grads(grad_w_in, grad_w_hh)
        return (None if grad_x is None else grad_x[0, :, : self.input_size]), grad_h_prev

    def accumulate_input_grads(
        self, grad_weight_in: np.ndarray, grad_weight_hh: np.ndarray
    ) -> None:
        """Add the kernels' [dW_ih | db] and dW_hh into the parameters' `.grad`."""
        grad_bias = grad_weight_in[:, -1] if grad_weight_in.shape[1] > self.input_size else None
        self.accumulate_grads(grad_weight_in[:, : self.input_size], grad_weight_hh, grad_bias)

    def accumulate_grads(
        self,
        grad_weight_ih: np.ndarray,
        grad_weight_hh: np.ndarray,
        grad_bias: np.ndarray | None,
    ) -> None:
        """Add a backward's results into the parameters' `.grad` (the bias gradient feeds both)."""
        self.weight_ih.grad += grad_weight_ih
        self.weight_hh.grad += grad_weight_hh
        if grad_bias is not None and self.bias_ih is not None and self.bias_hh is not None:
            self.bias_ih.grad += grad_bias
            self.bias_hh.grad += grad_bias

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias_ih is None:
            text += ", bias=False"
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        return text
