"""The GRU over a whole sequence: forward and BPTT, PyTorch's gate order (r, z, n) and formula.

The same shape as `recurrent.py`'s kernels (read its docstring). With W = [W_r; W_z; W_n]
stacked along the first axis (3 * hidden rows):

    r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
    z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
    n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
    h_t = (1 - z) * n + z * h_{t-1}

b_hn sits inside r * (...), so the two biases cannot be summed into one as for RNN and LSTM.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import sigmoid, tanh
from .recurrent import sum_over_steps


def gru_forward(
    x: np.ndarray,
    state0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None = None,
    bias_hh: np.ndarray | None = None,
    *,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...]]:
    """x: (time, batch, input), h0 (batch, hidden) -> (h (time, batch, hidden), h_T, cache)."""
    h0 = state0
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    gates = np.matmul(x.reshape(steps * batch, inputs), weight_ih.T).reshape(steps, batch, -1)
    if bias_ih is not None:
        gates += bias_ih
    # Row 0 holds h0, row t + 1 holds h_t: h_{t-1} of every step is the one view h[:-1].
    h = np.empty_like(h0, shape=(steps + 1, batch, hidden), order="C")
    h[0] = h0
    hidden_n = np.empty_like(h[1:])  # h_{t-1} W_hn^T + b_hn, which backward needs
    weight_hh_t = np.ascontiguousarray(weight_hh.T)
    recurrent = np.empty_like(gates[0])
    for t in range(steps):
        np.matmul(h[t], weight_hh_t, out=recurrent)
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
        np.subtract(h[t], n, out=h[t + 1])
        h[t + 1] *= z
        h[t + 1] += n
        if mask is not None:  # skipped steps carry h_{t-1} over
            np.copyto(h[t + 1], h[t], where=~mask[t, :, None])
    cache = (x, h, gates, hidden_n, weight_ih, weight_hh, bias_ih is not None, mask)
    return h[1:], h[-1], cache


def gru_backward(
    grad_h: np.ndarray | None,
    grad_state_n: np.ndarray | None,
    cache: tuple[Any, ...],
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, tuple[np.ndarray, ...]]:
    """BPTT over `gru_forward`'s cache -> (dx (time, batch, input), dh0, grads)."""
    x, h, gates, hidden_n, weight_ih, weight_hh, has_bias, mask = cache
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    # grad_ih[t]: dL/d(x_t W_ih^T + b_ih) and grad_hh[t]: dL/d(h_{t-1} W_hh^T + b_hh). They
    # agree on the r and z blocks; on the n block the second is scaled by r, since
    # hidden_n = h_{t-1} W_hn^T + b_hn enters n's pre-activation as r * hidden_n.
    grad_ih = np.empty_like(gates)
    grad_hh = np.empty_like(gates)
    blocks = [slice(k * hidden, (k + 1) * hidden) for k in range(3)]
    dh = np.zeros_like(h[0]) if grad_state_n is None else grad_state_n.astype(h.dtype, order="C")
    for t in range(steps - 1, -1, -1):
        if grad_h is not None:
            dh += grad_h[t]
        r, z, n = (gates[t, :, block] for block in blocks)
        da_r, da_z, da_n = (grad_ih[t, :, block] for block in blocks)
        h_prev = h[t]
        # From h_t = (1 - z) n + z h_{t-1}: dL/dn = dh (1 - z), dL/dz = dh (h_{t-1} - n); then
        # through tanh and sigmoid (derivatives from the outputs: 1 - n^2, z (1 - z)):
        np.multiply(dh * (1 - z), 1 - n * n, out=da_n)
        np.multiply(dh * (h_prev - n), z * (1 - z), out=da_z)
        np.multiply(da_n * hidden_n[t], r * (1 - r), out=da_r)  # a_n = ... + r * hidden_n
        grad_hh[t, :, : 2 * hidden] = grad_ih[t, :, : 2 * hidden]
        np.multiply(da_n, r, out=grad_hh[t, :, 2 * hidden :])
        if mask is not None:  # a skipped step copied h_{t-1}: no gradient reaches its gates
            keep = mask[t, :, None]
            grad_ih[t] *= keep
            grad_hh[t] *= keep
        # dL/dh_{t-1}: directly through z h_{t-1}, and through W_hh (the one GEMM in the loop).
        direct = dh * z if mask is None else np.where(keep, dh * z, dh)
        dh = grad_hh[t] @ weight_hh
        dh += direct
    # Every other gradient is a sum over steps of an outer product: one GEMM each.
    grad_x, grads = sum_over_steps(
        grad_ih, grad_hh, x, h[:-1], weight_ih, has_bias, needs_input_grad
    )
    return grad_x, dh, grads
