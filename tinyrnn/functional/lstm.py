"""The LSTM kernels: forward over time and backpropagation through time, PyTorch's gate order.

Time-major like `recurrent.py`: `x` is (time, batch, input), states are (time, batch, hidden).
With W = [W_i; W_f; W_g; W_o] stacked along the first axis (4 * hidden rows):

    a_t = x_t W_ih^T + h_{t-1} W_hh^T + b        (b = b_ih + b_hh), split into a_i, a_f, a_g, a_o
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)
"""

from __future__ import annotations

import numpy as np

from .activations import grad_sigmoid, grad_tanh, sigmoid, tanh


def _blocks(a: np.ndarray, count: int) -> list[np.ndarray]:
    """The `count` equal gate blocks of the last axis, as views."""
    size = a.shape[-1] // count
    return [a[..., k * size : (k + 1) * size] for k in range(count)]


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x: (time, batch, input), h0, c0: (batch, hidden) -> h, c: (time, batch, hidden), gates.

    `gates` (time, batch, 4 * hidden) holds the activated i, f, g, o: what backward needs.
    """
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    gates = np.matmul(x.reshape(steps * batch, inputs), weight_ih.T).reshape(steps, batch, -1)
    if bias is not None:
        gates += bias
    h = np.empty_like(h0, shape=(steps, batch, hidden))
    c = np.empty_like(c0, shape=(steps, batch, hidden))
    recurrent = np.empty_like(gates[0])
    h_prev, c_prev = h0, c0
    for t in range(steps):
        gates[t] += np.matmul(h_prev, weight_hh.T, out=recurrent)
        # In place: i and f are adjacent, so one sigmoid call covers both.
        i_f, g, o = (
            gates[t, :, : 2 * hidden],
            gates[t, :, 2 * hidden : 3 * hidden],
            gates[t, :, 3 * hidden :],
        )
        sigmoid(i_f, out=i_f)
        tanh(g, out=g)
        sigmoid(o, out=o)
        i, f = _blocks(i_f, 2)
        np.multiply(f, c_prev, out=c[t])
        c[t] += i * g
        tanh(c[t], out=h[t])
        h[t] *= o
        h_prev, c_prev = h[t], c[t]
    return h, c, gates


def lstm_backward(
    grad_h: np.ndarray,
    grad_c_last: np.ndarray | None,
    h: np.ndarray,
    c: np.ndarray,
    gates: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BPTT. grad_h: (time, batch, hidden) dL/dh_t from outside; grad_c_last: dL/dc_T or None.

    Returns (dx (time, batch, input), dh0, dc0 (batch, hidden), dW_ih, dW_hh, db (4 * hidden,));
    dx is None (not computed) when `needs_input_grad` is False.
    """
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    grad_a = np.empty_like(gates)
    grad_h_prev = np.zeros_like(h0)
    grad_c_prev = np.zeros_like(c0) if grad_c_last is None else grad_c_last.copy()
    for t in range(steps - 1, -1, -1):
        i, f, g, o = _blocks(gates[t], 4)
        grad_i, grad_f, grad_g, grad_o = _blocks(grad_a[t], 4)
        c_prev = c[t - 1] if t > 0 else c0
        tanh_c = tanh(c[t])
        # dh = dL/dh_t in total (from outside and through a_{t+1});
        # dc = dL/dc_t in total: through c_{t+1} (carried) plus through h_t = o tanh(c_t).
        dh = grad_h[t] + grad_h_prev
        dc = dh * o
        dc *= grad_tanh(tanh_c)
        dc += grad_c_prev
        # Through the gates to their pre-activations (s', tanh' written in terms of outputs):
        #   da_i = dc g s'(i)   da_f = dc c_{t-1} s'(f)   da_g = dc i tanh'(g)
        #   da_o = dh tanh(c_t) s'(o)
        np.multiply(dc * g, grad_sigmoid(i), out=grad_i)
        np.multiply(dc * c_prev, grad_sigmoid(f), out=grad_f)
        np.multiply(dc * i, grad_tanh(g), out=grad_g)
        np.multiply(dh * tanh_c, grad_sigmoid(o), out=grad_o)
        # dL/dc_{t-1} = dc f;  dL/dh_{t-1} = da_t W_hh: the one GEMM left in the loop.
        grad_c_prev = np.multiply(dc, f, out=dc)
        grad_h_prev = grad_a[t] @ weight_hh
    # The rest are sums over steps of outer products: one GEMM each, after the loop.
    grad_a_flat = grad_a.reshape(steps * batch, 4 * hidden)
    grad_x = (grad_a_flat @ weight_ih).reshape(steps, batch, inputs) if needs_input_grad else None
    grad_weight_ih = grad_a_flat.T @ x.reshape(steps * batch, inputs)
    # h_{t-1} is h0 for t = 0 and h[t-1] after: split rather than concatenate a copy.
    grad_weight_hh = grad_a[0].T @ h0
    if steps > 1:
        grad_weight_hh += grad_a[1:].reshape(-1, 4 * hidden).T @ h[:-1].reshape(-1, hidden)
    grad_bias = grad_a_flat.sum(axis=0)
    return grad_x, grad_h_prev, grad_c_prev, grad_weight_ih, grad_weight_hh, grad_bias
