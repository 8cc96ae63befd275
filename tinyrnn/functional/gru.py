"""The GRU over a whole sequence: forward and BPTT, PyTorch's gate order (r, z, n) and formula.

The same shape as `recurrent.py`'s kernels (read its docstring). With W = [W_r; W_z; W_n]
stacked along the first axis (3 * hidden rows):

    r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
    z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
    n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
    h_t = (1 - z) * n + z * h_{t-1}

b_hn sits inside r * (...), so the two biases cannot be summed into one as for RNN and LSTM.
The speed-ups are the LSTM's (read lstm.py's docstring): gate-major blocks (3, time, batch,
hidden), the halving of sigmoid(a) = 0.5 tanh(a / 2) + 0.5 folded into the r and z weights,
positional `out`, preallocated work arrays, backward multipliers of all steps before the loop
(5 NumPy calls per step instead of ~20). Forward + backward against the previous kernels:
0.71x at char, 0.69x at medium (one BLAS thread); 1.1x at seed, where the setup (halved weight
copies, the summed bias) costs more calls than 3 steps save.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .recurrent import empty_gates, gate_blocks, project_inputs, sum_over_steps

# Per gate (r, z, n): 0.5 for the sigmoids (a / 2), 1 for n. float32: exact, and a float64
# array times it stays float64.
SIGMOID_HALF = np.array([0.5, 0.5, 1], dtype=np.float32).reshape(3, 1, 1)


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
    steps, batch, _ = x.shape
    hidden = weight_hh.shape[1]
    # gates[k, t]: the input's part of gate k at step t (r and z halved): every step at once.
    gates = empty_gates(h0, 3, steps, batch, hidden)
    project_inputs(x, gate_blocks(weight_ih, SIGMOID_HALF), gates)
    # b_ir + b_hr and b_iz + b_hz are summed (and halved) into gates; b_hn stays inside r * (...).
    bias, bias_hn = np.zeros_like(h0, shape=(3 * hidden, 1)), np.zeros_like(h0, shape=hidden)
    if bias_ih is not None:
        bias[:, 0] += bias_ih
    if bias_hh is not None:
        bias[: 2 * hidden, 0] += bias_hh[: 2 * hidden]
        bias_hn = bias_hh[2 * hidden :]
    gates += gate_blocks(bias, SIGMOID_HALF).reshape(3, 1, 1, hidden)
    # Row 0 holds h0, row t + 1 holds h_t: h_{t-1} of every step is the one view h[:-1].
    h = np.empty_like(h0, shape=(steps + 1, batch, hidden), order="C")
    h[0] = h0
    hidden_n = np.empty_like(h[1:])  # h_{t-1} W_hn^T + b_hn, which backward needs
    weight_hh_blocks = gate_blocks(weight_hh, SIGMOID_HALF)
    recurrent, product = np.empty_like(h0, shape=(3, batch, hidden)), np.empty_like(h0)
    if batch == 1:  # the gates' (1, hidden) blocks are one row: one GEMV per step
        weight_hh_t = np.ascontiguousarray(weight_hh_blocks.reshape(-1, hidden).T)
    else:  # each (W_hh,k / 2)^T contiguous: the step's product is plain GEMMs in one call
        weight_hh_t = np.ascontiguousarray(weight_hh_blocks.transpose(0, 2, 1))
    half = np.array(0.5, dtype=gates.dtype)  # 0-d: no conversion of a Python float per call
    matmul, add, subtract, multiply, tanh = np.matmul, np.add, np.subtract, np.multiply, np.tanh
    for t in range(steps):
        a = gates[:, t]
        # h_{t-1}'s part of each gate (r, z halved)
        if batch == 1:
            np.dot(h[t], weight_hh_t, recurrent.reshape(1, -1))
        else:
            matmul(h[t], weight_hh_t, recurrent)
        rz = a[:2]
        add(rz, recurrent[:2], rz)
        tanh(rz, rz)  # sigmoid(a) = 0.5 tanh(a / 2) + 0.5
        multiply(rz, half, rz)
        add(rz, half, rz)
        r, z, n = a
        add(recurrent[2], bias_hn, hidden_n[t])
        add(n, multiply(r, hidden_n[t], product), n)  # n = tanh(a_n + r hidden_n)
        tanh(n, n)
        # h_t = (1 - z) n + z h_{t-1} = n + z (h_{t-1} - n)
        subtract(h[t], n, h[t + 1])
        multiply(h[t + 1], z, h[t + 1])
        add(h[t + 1], n, h[t + 1])
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
    hidden = weight_hh.shape[1]
    r, z, n = gates
    # Every gradient of a step is dL/dh_t times a multiplier, all computed here at once. From
    # h_t = (1 - z) n + z h_{t-1}, through tanh and sigmoid (1 - n^2, z (1 - z)):
    #   dL/da_n = dh (1 - z)(1 - n^2)               (a_n = x W_in^T + b_in + r hidden_n)
    #   dL/da_r = dL/da_n hidden_n r (1 - r)
    #   dL/da_z = dh (h_{t-1} - n) z (1 - z)
    #   dL/dhidden_n = dL/da_n r                    (h_{t-1}'s part of n: hidden_n)
    #   dL/dh_{t-1} = sum of the three hidden parts times W_hh,k  +  dh z
    # grad[k] starts as these multipliers in the slots (n, r, z, hidden_n): the input's parts
    # (r, z, n) are grad[1], grad[2], grad[0]; h_{t-1}'s are the one slice grad[1:].
    steps, batch = gates.shape[1:3]
    grad = empty_gates(gates, 4, steps, batch, hidden)
    np.square(n, grad[0])
    np.subtract(1, grad[0], grad[0])
    grad[0] *= 1 - z
    np.multiply(grad[0], r, grad[3])
    np.subtract(1, r, grad[1])
    grad[1] *= r
    grad[1] *= hidden_n
    grad[1] *= grad[0]
    np.subtract(1, z, grad[2])
    grad[2] *= z
    grad[2] *= h[:-1] - n
    direct = z
    if mask is not None:  # a skipped step copied h_{t-1}: no gradient to its gates
        keep = mask[:, :, None]
        grad *= keep
        direct = np.where(keep, z, 1).astype(z.dtype)
    dh = np.zeros_like(h[0]) if grad_state_n is None else grad_state_n.astype(h.dtype, order="C")
    weight_hh_blocks = weight_hh.reshape(3, hidden, hidden)
    # recurrent[:3] gets the three products, recurrent[3] the direct term: one sum makes dh.
    recurrent = np.empty_like(dh, shape=(4, batch, hidden))
    matmul, add, multiply = np.matmul, np.add, np.multiply
    for t in range(h.shape[0] - 2, -1, -1):
        if grad_h is not None:
            add(dh, grad_h[t], dh)
        da = grad[:, t]
        multiply(da, dh, da)
        multiply(dh, direct[t], recurrent[3])
        if batch == 1:  # one GEMV, as forward
            add(np.dot(da[1:].reshape(1, -1), weight_hh, dh), recurrent[3], dh)
        else:
            matmul(da[1:], weight_hh_blocks, recurrent[:3])
            add.reduce(recurrent, axis=0, out=dh)  # dL/dh_{t-1}
    # Every other gradient is a sum over steps of an outer product: one GEMM per gate.
    grad_x, grads = sum_over_steps(
        grad[:3], grad[1:], x, h[:-1], weight_ih, has_bias, needs_input_grad, (1, 2, 0), (0, 1, 2)
    )
    return grad_x, dh, grads
