"""GRUCell: one step of the gated recurrent unit, PyTorch's parameters, gate order and formula."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._config import resolve_dtype, resolve_rng
from .._validation import check_grad, check_not_empty, checked_input
from ..module import Module
from ..parameter import Parameter


class GRUCell(Module):
    """One step.  x_t: (batch, input), h_prev: (batch, hidden) -> h_t: (batch, hidden)

    Gates r, z, n are stacked in that order along the first axis of `weight_ih`
    (3 * hidden, input), `weight_hh` (3 * hidden, hidden), `bias_ih` and `bias_hh` (3 * hidden,);
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h_t = (1 - z) * n + z * h_prev, as PyTorch.
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
                f"GRUCell: input_size and hidden_size must be >= 1, got {input_size} and "
                f"{hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        dtype, rng = resolve_dtype(dtype, "GRUCell"), resolve_rng(rng, "GRUCell")
        # PyTorch's init: every parameter uniform in +-1/sqrt(hidden_size).
        bound, rows = 1.0 / np.sqrt(hidden_size), 3 * hidden_size
        self.weight_ih = Parameter(rng.uniform(-bound, bound, (rows, input_size)), dtype)
        self.weight_hh = Parameter(rng.uniform(-bound, bound, (rows, hidden_size)), dtype)
        self.bias_ih = Parameter(rng.uniform(-bound, bound, rows), dtype) if bias else None
        self.bias_hh = Parameter(rng.uniform(-bound, bound, rows), dtype) if bias else None

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the parameters, states and gradients."""
        return self.weight_hh.data.dtype

    def biases(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(b_ih, b_hh) arrays, or (None, None) without bias: kept apart, as b_hn sits inside r."""
        if self.bias_ih is None or self.bias_hh is None:
            return None, None
        return self.bias_ih.data, self.bias_hh.data

    def initial_state(self, batch_size: int, like: np.ndarray) -> np.ndarray:
        """Zeros (batch, hidden) in this cell's dtype: the state when none is given."""
        return np.zeros_like(like, dtype=self.dtype, shape=(batch_size, self.hidden_size))

    def check_state(self, h: Any, batch_size: int, who: str = "GRUCell") -> np.ndarray:
        """Convert and check a hidden state: must be (batch, hidden)."""
        return checked_input(h, self.dtype, (batch_size, self.hidden_size), who, "hidden state")

    def forward(self, x: Any, h_prev: Any = None) -> np.ndarray:
        """x_t: (batch, input), h_prev: (batch, hidden) or None (zeros) -> h_t: (batch, hidden)."""
        x = checked_input(x, self.dtype, ("batch", self.input_size), "GRUCell")
        check_not_empty(x, "GRUCell")
        h_prev = (
            self.initial_state(x.shape[0], x)
            if h_prev is None
            else self.check_state(h_prev, x.shape[0])
        )
        # A one-step run of the sequence kernel: the math lives in one place.
        h, gates, hidden_n = F.gru_forward(
            x[None], h_prev, self.weight_ih.data, self.weight_hh.data, *self.biases()
        )
        self.save_for_backward((x, h_prev, h, gates, hidden_n))
        # A copy, so that nothing the caller does to it can reach the cache.
        return h[0].copy()

    def backward(self, grad_output: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dh_t: (batch, hidden) -> (dL/dx_t (batch, input) or None, dL/dh_prev (batch, hidden)).

        dL/dx_t is None when `needs_input_grad` is False.
        """
        x, h_prev, h, gates, hidden_n = self.pop_saved()
        grad_output = check_grad(grad_output, h_prev.shape, "GRUCell")
        grad_x, grad_h_prev, *grads = F.gru_backward(
            grad_output[None],
            h,
            gates,
            hidden_n,
            x[None],
            h_prev,
            self.weight_ih.data,
            self.weight_hh.data,
            needs_input_grad=self.needs_input_grad,
        )
        self.accumulate_grads(*grads)
        return (None if grad_x is None else grad_x[0]), grad_h_prev

    def accumulate_grads(
        self,
        grad_weight_ih: np.ndarray,
        grad_weight_hh: np.ndarray,
        grad_bias_ih: np.ndarray,
        grad_bias_hh: np.ndarray,
    ) -> None:
        """Add a backward's results into the parameters' `.grad`."""
        self.weight_ih.grad += grad_weight_ih
        self.weight_hh.grad += grad_weight_hh
        if self.bias_ih is not None and self.bias_hh is not None:
            self.bias_ih.grad += grad_bias_ih
            self.bias_hh.grad += grad_bias_hh

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            ", bias=False" if self.bias_ih is None else ""
        )
