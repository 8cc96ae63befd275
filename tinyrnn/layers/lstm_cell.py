"""LSTMCell: one step of the long short-term memory cell, PyTorch's gate order (i, f, g, o)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._validation import checked_input
from .cell import RecurrentCell


class LSTMCell(RecurrentCell):
    """LSTMCell(input_size, hidden_size, bias=True): one step of an LSTM; the state is (h, c).

    x_t: (batch, input), (h_prev, c_prev): 2 x (batch, hidden) -> (h_t, c_t)

        i, f, g, o = split(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)   (4 blocks of hidden)
        i, f, o = sigmoid(i, f, o);  g = tanh(g)
        c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)

    `backward((dL/dh_t, dL/dc_t)) -> (dL/dx_t, (dL/dh_{t-1}, dL/dc_{t-1}))`; either part of the
    gradient may be None (no gradient). Parameters as RNNCell's with 4 * hidden rows;
    `unit_forget_bias=True` initialises the biases as Keras does (see `init_unit_forget_bias`).
    """

    gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        unit_forget_bias: bool = False,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, dtype=dtype, rng=rng)
        if unit_forget_bias:
            init_unit_forget_bias(self, type(self).__name__)

    def initial_state(self, batch_size: int, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(h, c), each zeros (batch, hidden) in this cell's dtype: the state when none is given."""
        return super().initial_state(batch_size, like), super().initial_state(batch_size, like)

    def check_state(
        self, state: Any, batch_size: int, who: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """A user's state converted and checked: a tuple (h, c) of two (batch, hidden) arrays."""
        who = who or type(self).__name__
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            got = type(state).__name__
            if isinstance(state, np.ndarray):
                got = f"an array of shape {state.shape}"
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
        x, (h_prev, c_prev) = self.check_step(x, state)
        a = x @ self.weight_ih.data.T + h_prev @ self.weight_hh.data.T
        if self.bias_ih is not None and self.bias_hh is not None:
            a += self.bias_ih.data + self.bias_hh.data
        # One sigmoid over all four blocks, then tanh over g's: at small batches a NumPy call
        # costs more than its arithmetic, so two calls beat four (bench_inference.py).
        size = self.hidden_size
        gates = F.sigmoid(a)
        F.tanh(a[:, 2 * size : 3 * size], out=gates[:, 2 * size : 3 * size])
        i, f, g, o = (gates[:, k * size : (k + 1) * size] for k in range(4))
        c = f * c_prev + i * g
        tanh_c = F.tanh(c)
        h = o * tanh_c
        # Backward needs the gates, c_{t-1} and tanh(c_t); h_{t-1} and x_t for the weights.
        self.save_for_backward((x, h_prev, c_prev, i, f, g, o, tanh_c))
        return h, c  # fresh arrays: the cache holds neither

    def backward(self, grad_output: Any) -> tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray]]:
        """(dL/dh_t, dL/dc_t), either may be None -> (dL/dx_t or None, (dL/dh_prev, dL/dc_prev))."""
        x, h_prev, c_prev, i, f, g, o, tanh_c = self.pop_saved()
        if not isinstance(grad_output, (tuple, list)) or len(grad_output) != 2:
            raise TypeError(
                "LSTMCell.backward: expected a tuple (dL/dh_t, dL/dc_t) (either may be None), "
                f"got {type(grad_output).__name__}"
            )
        grad_h, grad_c = grad_output
        dh = np.zeros_like(h_prev) if grad_h is None else self.check_grad(grad_h, h_prev)
        dc_in = np.zeros_like(c_prev) if grad_c is None else self.check_grad(grad_c, c_prev)
        # h_t = o tanh(c_t): c_t receives dh o (1 - tanh(c_t)^2) besides dL/dc_t from outside.
        dc = dc_in + dh * o * (1 - tanh_c**2)
        # Back through each gate to its pre-activation (s' = s (1 - s), tanh' = 1 - tanh^2):
        da_i = dc * g * i * (1 - i)  # c_t = f c_{t-1} + i g
        da_f = dc * c_prev * f * (1 - f)
        da_g = dc * i * (1 - g * g)
        da_o = dh * tanh_c * o * (1 - o)
        grad_a = np.concatenate((da_i, da_f, da_g, da_o), axis=1)
        self.weight_ih.grad += grad_a.T @ x  # a = x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        self.weight_hh.grad += grad_a.T @ h_prev
        if self.bias_ih is not None and self.bias_hh is not None:
            grad_bias = grad_a.sum(axis=0)
            self.bias_ih.grad += grad_bias
            self.bias_hh.grad += grad_bias
        grad_x = grad_a @ self.weight_ih.data if self.needs_input_grad else None
        grad_state = (grad_a @ self.weight_hh.data, dc * f)  # dL/dc_{t-1} = dc f
        return self.step_result(grad_output, grad_x, grad_state)


def init_unit_forget_bias(cell: Any, who: str) -> None:
    """Keras' `unit_forget_bias`: every bias 0 but the forget gate's, 1 (weights unchanged).

    Keras has one bias b; here the gates see b_ih + b_hh, so b_ih's forget block (rows hidden
    to 2 * hidden) is 1 and every other entry of both is 0: the sum is Keras' b.
    """
    if cell.bias_ih is None or cell.bias_hh is None:
        raise ValueError(f"{who}: unit_forget_bias=True needs bias=True")
    hidden = cell.hidden_size
    cell.bias_ih.data[...] = 0
    cell.bias_ih.data[hidden : 2 * hidden] = 1
    cell.bias_hh.data[...] = 0
