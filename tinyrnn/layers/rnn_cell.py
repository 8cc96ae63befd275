"""RNNCell: one step of the Elman RNN."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..functional.recurrent import activation_derivative, check_nonlinearity
from .cell import RecurrentCell


class RNNCell(RecurrentCell):
    """RNNCell(input_size, hidden_size, bias=True, nonlinearity="tanh"): one step of an RNN.

    x_t: (batch, input), h_prev: (batch, hidden) -> h_t: (batch, hidden)

        h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)        f = tanh or relu

    `backward(dL/dh_t) -> (dL/dx_t, dL/dh_{t-1})`. Parameters `weight_ih` (hidden, input),
    `weight_hh` (hidden, hidden), `bias_ih`, `bias_hh` (hidden,): PyTorch's names and init.
    """

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
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype=dtype, rng=rng)
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, h_prev: Any = None) -> np.ndarray:
        """x_t: (batch, input), h_prev: (batch, hidden) or None (zeros) -> h_t: (batch, hidden)."""
        x, h_prev = self.check_step(x, h_prev)
        # a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        a = x @ self.weight_ih.data.T + h_prev @ self.weight_hh.data.T
        if self.bias_ih is not None and self.bias_hh is not None:
            a += self.bias_ih.data + self.bias_hh.data
        h = F.tanh(a) if self.nonlinearity == "tanh" else F.relu(a)  # h_t = f(a_t)
        self.save_for_backward((x, h_prev, h))  # backward needs f'(a_t), which h_t gives
        return h.copy()  # the caller may write into its copy; the cache stays as it was

    def backward(self, grad_output: Any) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dh_t: (batch, hidden) -> (dL/dx_t (batch, input) or None, dL/dh_prev)."""
        x, h_prev, h = self.pop_saved()
        grad_h = self.check_grad(grad_output, h)
        # dL/da_t = dL/dh_t f'(a_t), with f'(a_t) = 1 - h_t^2 (tanh) or [h_t > 0] (relu).
        grad_a = grad_h * activation_derivative(self.nonlinearity, h, out=np.empty_like(h))
        # a_t is linear in everything else: each gradient is a product with dL/da_t.
        self.weight_ih.grad += grad_a.T @ x  # dL/dW_ih = dL/da_t^T x_t
        self.weight_hh.grad += grad_a.T @ h_prev  # dL/dW_hh = dL/da_t^T h_{t-1}
        if self.bias_ih is not None and self.bias_hh is not None:
            grad_bias = grad_a.sum(axis=0)  # dL/db_ih = dL/db_hh = sum over the batch
            self.bias_ih.grad += grad_bias
            self.bias_hh.grad += grad_bias
        grad_x = grad_a @ self.weight_ih.data if self.needs_input_grad else None  # da W_ih
        grad_h_prev = grad_a @ self.weight_hh.data  # dL/dh_{t-1} = dL/da_t W_hh
        return self.step_result(grad_output, grad_x, grad_h_prev)

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        return text
