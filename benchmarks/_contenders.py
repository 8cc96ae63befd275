"""The contenders of bench_step.py: each builder returns a zero-argument training step.

All start from the same float32 weights and data (seeded), so their work is identical: none
computes dL/dx for the data x (PyTorch skips it for an input that does not require grad; the
tinyrnn model has `needs_input_grad = False`; the NumPy loop never computes it).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from typing import Any

import numpy as np

import tinyrnn

Step = Callable[[], Any]
LR = 0.01
DTYPE = np.float32


def _data(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    batch, steps, inputs, _, outputs = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, inputs)).astype(DTYPE)
    target = rng.standard_normal((batch, steps, outputs)).astype(DTYPE)
    return x, target


def _model(shape: tuple[int, ...]) -> tinyrnn.Sequential:
    _, _, inputs, hidden, outputs = shape
    rng = np.random.default_rng(1)
    return tinyrnn.Sequential(
        tinyrnn.RNN(inputs, hidden, dtype=DTYPE, rng=rng),
        tinyrnn.Linear(hidden, outputs, dtype=DTYPE, rng=rng),
    )


def _weights(shape: tuple[int, ...]) -> list[np.ndarray]:
    """[W_ih, W_hh, b_ih, b_hh, W_out, b_out]: the initial weights every contender starts from."""
    return [p.data.copy() for p in _model(shape).parameters()]


def tinyrnn_step(shape: tuple[int, ...]) -> tuple[Step, int]:
    """tinyrnn's step, and the bytes its BPTT cache needs: states, inputs, params, grads."""
    model, (x, target) = _model(shape), _data(shape)
    model.needs_input_grad = False  # x is data, as PyTorch's x, which does not require grad
    loss_fn = tinyrnn.MSELoss()
    optimizer = tinyrnn.SGD(model.parameters(), lr=LR)

    def step() -> None:
        optimizer.zero_grad()
        loss_fn(model(x), target)
        model.backward(loss_fn.backward())
        optimizer.step()

    batch, steps, inputs, hidden, _ = shape
    param_bytes = sum(p.data.nbytes for p in model.parameters())
    needed = (steps * batch * (hidden + inputs)) * np.dtype(DTYPE).itemsize + 2 * param_bytes
    return step, needed


def torch_step(shape: tuple[int, ...], threads: int) -> Step | None:
    """PyTorch eager's step with the same weights, or None when torch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    _, _, inputs, hidden, outputs = shape
    rnn = torch.nn.RNN(inputs, hidden, batch_first=True)
    linear = torch.nn.Linear(hidden, outputs)
    params = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0]
    params += [linear.weight, linear.bias]
    with torch.no_grad():
        for param, value in zip(params, _weights(shape), strict=True):
            param.copy_(torch.from_numpy(value))
    x, target = (torch.from_numpy(a) for a in _data(shape))
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(params, lr=LR)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        out, _ = rnn(x)
        loss_fn(linear(out), target).backward()
        optimizer.step()

    return step


def numpy_loop_step(shape: tuple[int, ...]) -> Step:
    """The original script's style: a list of states, per-step forward and per-step backward."""
    w_xh, w_hh, b_xh, b_hh, w_hy, b_y = _weights(shape)
    x, target = _data(shape)
    batch, steps, _, hidden, outputs = shape
    scale = np.float32(2.0 / (batch * steps * outputs))

    def step() -> None:
        hs, ys = [np.zeros((batch, hidden), DTYPE)], []
        for t in range(steps):
            hs.append(np.tanh(x[:, t] @ w_xh.T + b_xh + hs[-1] @ w_hh.T + b_hh))
            ys.append(hs[-1] @ w_hy.T + b_y)
        d_xh, d_hh, d_b, d_hy, d_by = (np.zeros_like(w) for w in (w_xh, w_hh, b_xh, w_hy, b_y))
        dh_next = np.zeros((batch, hidden), DTYPE)
        for t in reversed(range(steps)):
            dy = scale * (ys[t] - target[:, t])
            d_hy += dy.T @ hs[t + 1]
            d_by += dy.sum(axis=0)
            da = (1 - hs[t + 1] * hs[t + 1]) * (dy @ w_hy + dh_next)
            d_xh += da.T @ x[:, t]
            d_hh += da.T @ hs[t]
            d_b += da.sum(axis=0)
            dh_next = da @ w_hh
        pairs = ((w_xh, d_xh), (w_hh, d_hh), (b_xh, d_b), (b_hh, d_b), (w_hy, d_hy), (b_y, d_by))
        for param, grad in pairs:
            param -= LR * grad

    return step


def gemm_step(shape: tuple[int, ...]) -> Step:
    """The matrix products of one step alone, into preallocated arrays: the floor for NumPy."""
    batch, steps, inputs, hidden, outputs = shape
    rows = batch * steps
    rng = np.random.default_rng(2)

    def arr(*dims: int) -> np.ndarray:
        return (0.1 * rng.standard_normal(dims)).astype(DTYPE)

    x, h, a, y = arr(rows, inputs), arr(rows, hidden), arr(rows, hidden), arr(rows, outputs)
    w_ih, w_hh, w_out = arr(hidden, inputs), arr(hidden, hidden), arr(outputs, hidden)
    w_hh_t, step_out = np.ascontiguousarray(w_hh.T), arr(batch, hidden)
    gw_ih, gw_hh, gw_out = arr(hidden, inputs), arr(hidden, hidden), arr(outputs, hidden)
    dh = arr(rows, hidden)
    matmul, dot = np.matmul, np.dot  # as the kernels: np.dot for the per-step products
    h_steps, a_steps = h.reshape(steps, batch, hidden), a.reshape(steps, batch, hidden)

    def step() -> None:
        matmul(x, w_ih.T, out=a)  # input projection
        for h_t in h_steps:
            dot(h_t, w_hh_t, out=step_out)  # recurrence
        matmul(h, w_out.T, out=y)  # Linear forward
        matmul(y.T, h, out=gw_out)  # Linear dW
        matmul(y, w_out, out=dh)  # Linear dx
        for a_t in a_steps:
            dot(a_t, w_hh, out=step_out)  # BPTT recurrence
        matmul(a.T, x, out=gw_ih)
        matmul(a.T, h, out=gw_hh)  # (no dL/dx: x is data)

    return step


def blas_threads() -> int:
    """NumPy's BLAS thread count (threadpoolctl when installed; else the environment)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def environment(threads: int) -> str:
    """One paragraph on what ran: versions, BLAS, threads, OPENBLAS_CORETYPE."""
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, tinyrnn "
        f"{tinyrnn.__version__}, {os.cpu_count()} cores, BLAS and torch threads: {threads}"
    ]
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                f"  {info['internal_api']} {info.get('version')} kernel "
                f"{info.get('architecture')}, {info['num_threads']} threads"
            )
    except ImportError:
        lines.append("  (threadpoolctl not installed: BLAS kernel unknown)")
    try:
        import torch

        torch.set_num_threads(threads)
        lines.append(f"  torch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        lines.append("  torch not importable: its column is nan")
    lines.append(f"  OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    return "\n".join(lines)
