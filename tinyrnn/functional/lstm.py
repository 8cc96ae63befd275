"""The LSTM over a whole sequence: forward and BPTT, PyTorch's gate order (i, f, g, o).

The same shape as `recurrent.py`'s kernels (read its docstring); the state is the pair (h, c).
With W = [W_i; W_f; W_g; W_o] stacked along the first axis (4 * hidden rows):

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, split into a_i, a_f, a_g, a_o
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import sigmoid, tanh
from .recurrent import sum_over_steps

State = tuple[np.ndarray, np.ndarray]


def lstm_forward(
    x: np.ndarray,
    state0: State,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None = None,
    bias_hh: np.ndarray | None = None,
    *,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, State, tuple[Any, ...]]:
    """x: (time, batch, input), (h0, c0) -> (h (time, batch, hidden), (h_T, c_T), cache)."""
    h0, c0 = state0
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    gates = np.matmul(x.reshape(steps * batch, inputs), weight_ih.T).reshape(steps, batch, -1)
    if bias_ih is not None and bias_hh is not None:
        gates += bias_ih + bias_hh
    # Row 0 holds h0 / c0, row t + 1 holds h_t / c_t: h_{t-1} of every step is one view.
    h = np.empty_like(h0, shape=(steps + 1, batch, hidden), order="C")
    c = np.empty_like(h)
    h[0], c[0] = h0, c0
    tanh_c = np.empty_like(h[1:])  # cached for backward, which needs tanh(c_t) too
    weight_hh_t = np.ascontiguousarray(weight_hh.T)
    recurrent = np.empty_like(gates[0])
    for t in range(steps):
        a = gates[t]
        a += np.matmul(h[t], weight_hh_t, out=recurrent)
        sigmoid(a[:, : 2 * hidden], out=a[:, : 2 * hidden])  # i and f are adjacent: one call
        tanh(a[:, 2 * hidden : 3 * hidden], out=a[:, 2 * hidden : 3 * hidden])
        sigmoid(a[:, 3 * hidden :], out=a[:, 3 * hidden :])
        i, f, g, o = (
            a[:, :hidden],
            a[:, hidden : 2 * hidden],
            a[:, 2 * hidden : 3 * hidden],
            a[:, 3 * hidden :],
        )
        np.multiply(f, c[t], out=c[t + 1])
        c[t + 1] += i * g
        tanh(c[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=h[t + 1])
        if mask is not None:  # skipped steps carry (h, c) over
            skip = ~mask[t, :, None]
            np.copyto(h[t + 1], h[t], where=skip)
            np.copyto(c[t + 1], c[t], where=skip)
    cache = (x, h, c, gates, tanh_c, weight_ih, weight_hh, bias_ih is not None, mask)
    return h[1:], (h[-1], c[-1]), cache


def lstm_backward(
    grad_h: np.ndarray | None,
    grad_state_n: tuple[np.ndarray | None, np.ndarray | None] | None,
    cache: tuple[Any, ...],
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, State, tuple[np.ndarray, ...]]:
    """BPTT over `lstm_forward`'s cache -> (dx (time, batch, input), (dh0, dc0), grads)."""
    x, h, c, gates, tanh_c, weight_ih, weight_hh, has_bias, mask = cache
    steps, batch, inputs = x.shape
    grad_h_n, grad_c_n = (None, None) if grad_state_n is None else grad_state_n
    # dh, dc: dL/dh_t and dL/dc_t carried from step t+1 to t (from outside at t = T).
    dh = np.zeros_like(h[0]) if grad_h_n is None else grad_h_n.astype(h.dtype, order="C")
    dc = np.zeros_like(c[0]) if grad_c_n is None else grad_c_n.astype(c.dtype, order="C")
    grad_a = np.empty_like(gates)
    hidden = h.shape[2]
    blocks = [slice(k * hidden, (k + 1) * hidden) for k in range(4)]
    for t in range(steps - 1, -1, -1):
        if grad_h is not None:
            dh += grad_h[t]
        i, f, g, o = (gates[t, :, block] for block in blocks)
        da_i, da_f, da_g, da_o = (grad_a[t, :, block] for block in blocks)
        # h_t = o tanh(c_t): dL/dc_t gets dh o (1 - tanh(c_t)^2) on top of what c_{t+1} sent.
        dc_t = dc + dh * o * (1 - tanh_c[t] ** 2)
        # Back through the gates to their pre-activations (s' = s(1 - s), tanh' = 1 - tanh^2):
        np.multiply(dc_t * g, i * (1 - i), out=da_i)  # c_t = f c_{t-1} + i g
        np.multiply(dc_t * c[t], f * (1 - f), out=da_f)  # (c[t] is c_{t-1})
        np.multiply(dc_t * i, 1 - g * g, out=da_g)
        np.multiply(dh * tanh_c[t], o * (1 - o), out=da_o)
        if mask is None:
            # dL/dc_{t-1} = dL/dc_t f;  dL/dh_{t-1} = dL/da_t W_hh: the one GEMM in the loop.
            np.multiply(dc_t, f, out=dc)
            np.matmul(grad_a[t], weight_hh, out=dh)
        else:
            # A skipped step copied (h, c) over: their gradients go straight through.
            keep = mask[t, :, None]
            grad_a[t] *= keep
            dc = np.where(keep, dc_t * f, dc)
            dh = grad_a[t] @ weight_hh + np.where(keep, 0, dh)
    grad_x, grads = sum_over_steps(grad_a, grad_a, x, h[:-1], weight_ih, has_bias, needs_input_grad)
    return grad_x, (dh, dc), grads
