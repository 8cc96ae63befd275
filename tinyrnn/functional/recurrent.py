"""The vanilla RNN kernels: forward over time and backpropagation through time (BPTT).

Both work time-major: `x` is (time, batch, input) and the states are (time, batch, hidden),
so that each step reads and writes one contiguous (batch, hidden) block.

    a_t = x_t W_ih^T + h_{t-1} W_hh^T + b        (b = b_ih + b_hh)
    h_t = f(a_t)                                 (f = tanh or relu)
"""

from __future__ import annotations

import numpy as np

from .activations import grad_relu, grad_tanh, relu, tanh

_ACTIVATIONS = {"tanh": (tanh, grad_tanh), "relu": (relu, grad_relu)}


def check_nonlinearity(nonlinearity: str) -> None:
    """Raise ValueError unless `nonlinearity` is "tanh" or "relu"."""
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias: np.ndarray | None = None,
    nonlinearity: str = "tanh",
) -> np.ndarray:
    """x: (time, batch, input), h0: (batch, hidden) -> h: (time, batch, hidden), every state."""
    check_nonlinearity(nonlinearity)
    activation = _ACTIVATIONS[nonlinearity][0]
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[0]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    h = np.matmul(x.reshape(steps * batch, inputs), weight_ih.T).reshape(steps, batch, hidden)
    if bias is not None:
        h += bias
    recurrent = np.empty_like(h0)
    h_prev = h0
    for t in range(steps):
        np.matmul(h_prev, weight_hh.T, out=recurrent)
        h_t = h[t]
        h_t += recurrent
        activation(h_t, out=h_t)
        h_prev = h_t
    return h


def rnn_backward(
    grad_h: np.ndarray,
    h: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BPTT. grad_h: (time, batch, hidden) dL/dh_t from outside the recurrence.

    Returns (dx (time, batch, input), dh0 (batch, hidden), dW_ih, dW_hh, db (hidden,)).
    """
    check_nonlinearity(nonlinearity)
    derivative = _ACTIVATIONS[nonlinearity][1]
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[0]
    # dL/da_t = (grad_h[t] + dL/dh_t through a_{t+1}) * f'(a_t), and f'(a_t) is a function of
    # h_t. The recurrent part is dL/dh_{t-1} = dL/da_t W_hh: the one GEMM left in the loop.
    grad_a = np.empty_like(h)
    grad_h_prev = np.zeros_like(h0)
    for t in range(steps - 1, -1, -1):
        total = grad_h[t] + grad_h_prev
        np.multiply(total, derivative(h[t]), out=grad_a[t])
        grad_h_prev = grad_a[t] @ weight_hh
    # Every other gradient is a sum over steps of an outer product: one GEMM each, after the loop.
    grad_a_flat = grad_a.reshape(steps * batch, hidden)
    grad_x = (grad_a_flat @ weight_ih).reshape(steps, batch, inputs)
    grad_weight_ih = grad_a_flat.T @ x.reshape(steps * batch, inputs)
    # h_{t-1} is h0 for t = 0 and h[t-1] after: split rather than concatenate a copy.
    grad_weight_hh = grad_a[0].T @ h0
    if steps > 1:
        grad_weight_hh += grad_a[1:].reshape(-1, hidden).T @ h[:-1].reshape(-1, hidden)
    grad_bias = grad_a_flat.sum(axis=0)
    return grad_x, grad_h_prev, grad_weight_ih, grad_weight_hh, grad_bias
