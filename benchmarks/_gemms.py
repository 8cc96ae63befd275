"""The bare-GEMMs contender of bench_step.py: the floor for any NumPy implementation."""

from __future__ import annotations

import numpy as np
from _contenders import DTYPE, LAYERS, Contender


def gemm_step(shape: tuple[int, ...], layer: str = "rnn") -> Contender:
    """The matrix products of one step alone, into preallocated arrays: the floor for NumPy.

    With G = gates * H (1, 4 or 3 gates): the input projection (TB x I by I x G), T per-step
    products (B x H by H x G) each way, Linear's three products, dW_ih and dW_hh.
    """
    batch, steps, inputs, hidden, outputs = shape
    rows, gates = batch * steps, LAYERS[layer][1] * hidden
    rng = np.random.default_rng(2)

    def arr(*dims: int) -> np.ndarray:
        return (0.1 * rng.standard_normal(dims)).astype(DTYPE)

    x, h, a, y = arr(rows, inputs), arr(rows, hidden), arr(rows, gates), arr(rows, outputs)
    w_ih, w_hh, w_out = arr(gates, inputs), arr(gates, hidden), arr(outputs, hidden)
    w_hh_t, gates_out, hidden_out = (
        np.ascontiguousarray(w_hh.T),
        arr(batch, gates),
        arr(batch, hidden),
    )
    gw_ih, gw_hh, gw_out, dh = (
        arr(gates, inputs),
        arr(gates, hidden),
        arr(outputs, hidden),
        arr(rows, hidden),
    )
    matmul, dot = np.matmul, np.dot  # np.dot for the per-step products, as tinyrnn's kernels
    h_steps, a_steps = h.reshape(steps, batch, hidden), a.reshape(steps, batch, gates)

    def step() -> None:
        matmul(x, w_ih.T, out=a)  # input projection
        for h_t in h_steps:
            dot(h_t, w_hh_t, out=gates_out)  # recurrence
        matmul(h, w_out.T, out=y)  # Linear forward
        matmul(y.T, h, out=gw_out)  # Linear dW
        matmul(y, w_out, out=dh)  # Linear dx
        for a_t in a_steps:
            dot(a_t, w_hh, out=hidden_out)  # BPTT recurrence
        matmul(a.T, x, out=gw_ih)
        matmul(a.T, h, out=gw_hh)  # (no dL/dx: x is data)

    return Contender(step, None)
