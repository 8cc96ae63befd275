"""The GRU kernels: forward over time and backpropagation through time, PyTorch's exact formula.

Time-major like `recurrent.py`: `x` is (time, batch, input), states are (time, batch, hidden).
With W = [W_r; W_z; W_n] stacked along the first axis (3 * hidden rows):

    r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
    z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
    n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
    h_t = (1 - z) * n + z * h_{t-1}

b_hn sits inside r * (...), so the two biases cannot be summed into one as for RNN and LSTM.
"""

from __future__ import annotations

import numpy as np

from .activations import grad_sigmoid, grad_tanh, sigmoid, tanh


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None = None,
    bias_hh: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x: (time, batch, input), h0: (batch, hidden) -> h (time, batch, hidden), gates, hidden_n.

    `gates` (time, batch, 3 * hidden) holds the activated r, z, n and `hidden_n`
    (time, batch, hidden) holds h_{t-1} W_hn^T + b_hn: what backward needs.
    """
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    gates = np.matmul(x.reshape(steps * batch, inputs), weight_ih.T).reshape(steps, batch, -1)
    if bias_ih is not None:
        gates += bias_ih
    h = np.empty_like(h0, shape=(steps, batch, hidden))
    hidden_n = np.empty_like(h)
    recurrent = np.empty_like(gates[0])
    h_prev = h0
    for t in range(steps):
        np.matmul(h_prev, weight_hh.T, out=recurrent)
        if bias_hh is not None:
            recurrent += bias_hh
        rz, n = gates[t, :, : 2 * hidden], gates[t, :, 2 * hidden :]
        rz += recurrent[:, : 2 * hidden]
        sigmoid(rz, out=rz)
        r, z = rz[:, :hidden], rz[:, hidden:]
        hidden_n[t] = recurrent[:, 2 * hidden :]
        n += r * hidden_n[t]
        tanh(n, out=n)
        # h_t = (1 - z) n + z h_{t-1} = n + z (h_{t-1} - n)
        np.subtract(h_prev, n, out=h[t])
        h[t] *= z
        h[t] += n
        h_prev = h[t]
    return h, gates, hidden_n


def gru_backward(
    grad_h: np.ndarray,
    h: np.ndarray,
    gates: np.ndarray,
    hidden_n: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BPTT. grad_h: (time, batch, hidden) dL/dh_t from outside the recurrence.

    Returns (dx (time, batch, input), dh0 (batch, hidden), dW_ih, dW_hh, db_ih, db_hh); dx is
    None (not computed) when `needs_input_grad` is False.
    """
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    # grad_ih: dL/d(x_t W_ih^T + b_ih) and grad_hh: dL/d(h_{t-1} W_hh^T + b_hh), per gate block.
    # They agree on the r and z blocks; on the n block the second one is scaled by r, as
    # hidden_n = h_{t-1} W_hn^T + b_hn enters a_n as r * hidden_n.
    grad_ih = np.empty_like(gates)
    grad_hh = np.empty_like(gates)
    grad_h_prev = np.zeros_like(h0)
    for t in range(steps - 1, -1, -1):
        r, z, n = gates[t, :, :hidden], gates[t, :, hidden : 2 * hidden], gates[t, :, 2 * hidden :]
        grad_r, grad_z, grad_n = (grad_ih[t, :, k * hidden : (k + 1) * hidden] for k in range(3))
        h_prev = h[t - 1] if t > 0 else h0
        dh = grad_h[t] + grad_h_prev
        # From h_t = (1 - z) n + z h_{t-1}:  dn = dh (1 - z),  dz = dh (h_{t-1} - n).
        # Pre-activations (s', tanh' written in terms of the outputs):
        #   da_n = dn tanh'(n)   da_z = dz s'(z)   da_r = (da_n hidden_n) s'(r)
        np.multiply(dh * (1.0 - z), grad_tanh(n), out=grad_n)
        np.multiply(dh * (h_prev - n), grad_sigmoid(z), out=grad_z)
        np.multiply(grad_n * hidden_n[t], grad_sigmoid(r), out=grad_r)
        grad_hh[t, :, : 2 * hidden] = grad_ih[t, :, : 2 * hidden]
        np.multiply(grad_n, r, out=grad_hh[t, :, 2 * hidden :])
        # dL/dh_{t-1}: directly through z h_{t-1}, plus through W_hh: the one GEMM in the loop.
        grad_h_prev = grad_hh[t] @ weight_hh
        grad_h_prev += dh * z
    # The rest are sums over steps of outer products: one GEMM each, after the loop.
    grad_ih_flat = grad_ih.reshape(steps * batch, 3 * hidden)
    grad_hh_flat = grad_hh.reshape(steps * batch, 3 * hidden)
    grad_x = (grad_ih_flat @ weight_ih).reshape(steps, batch, inputs) if needs_input_grad else None
    grad_weight_ih = grad_ih_flat.T @ x.reshape(steps * batch, inputs)
    # h_{t-1} is h0 for t = 0 and h[t-1] after: split rather than concatenate a copy.
    grad_weight_hh = grad_hh[0].T @ h0
    if steps > 1:
        grad_weight_hh += grad_hh[1:].reshape(-1, 3 * hidden).T @ h[:-1].reshape(-1, hidden)
    grad_bias_ih = grad_ih_flat.sum(axis=0)
    grad_bias_hh = grad_hh_flat.sum(axis=0)
    return grad_x, grad_h_prev, grad_weight_ih, grad_weight_hh, grad_bias_ih, grad_bias_hh
