"""Where the time of one tinyrnn training step goes: median milliseconds per phase, per size.

    python benchmarks/profile_step.py [--sizes medium,large] [--steps 30]

Phases: zero_grad, RNN forward, Linear forward, MSE forward, MSE backward, Linear backward,
RNN backward, SGD step; then the RNN kernels against their GEMMs re-run alone (the rest of a
kernel is its elementwise work and call overhead) and the layer's copy of x to time-major.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _contenders as C  # noqa: E402
from bench_step import SIZES  # noqa: E402

import tinyrnn  # noqa: E402
from tinyrnn.functional import rnn_backward, rnn_forward  # noqa: E402


def phases(shape: tuple[int, ...], steps: int) -> dict[str, float]:
    """Median ms of each phase of the training step."""
    model = C._model(shape)
    model.needs_input_grad = False  # as in bench_step: x is data
    x, target = C._data(shape)
    loss_fn = tinyrnn.MSELoss()
    optimizer = tinyrnn.SGD(model.parameters(), lr=C.LR)
    rnn, linear = model[0], model[1]
    times: dict[str, list[float]] = {}
    clock = time.perf_counter

    def timed(name: str, fn: Callable[..., object], *args: object) -> object:
        t0 = clock()
        result = fn(*args)
        times.setdefault(name, []).append(1e3 * (clock() - t0))
        return result

    for i in range(steps + 3):
        timed("zero_grad", optimizer.zero_grad)
        h = timed("RNN forward", rnn, x)
        y = timed("Linear forward", linear, h)
        timed("MSE forward", loss_fn, y, target)
        g = timed("MSE backward", loss_fn.backward)
        gh = timed("Linear backward", linear.backward, g)
        timed("RNN backward", rnn.backward, gh)
        timed("SGD step", optimizer.step)
        if i < 3:
            times.clear()
    return {name: float(np.median(values)) for name, values in times.items()}


def kernel_parts(shape: tuple[int, ...], steps: int) -> dict[str, float]:
    """Median ms of the RNN kernels and of their GEMMs re-run alone on the same data; the rest
    of a kernel (its elementwise work and call overhead) is the difference."""
    batch, time_steps, _, hidden, _ = shape
    cell = C._model(shape)[0].cell
    x = C._data(shape)[0]
    x_in = np.ascontiguousarray(x.transpose(1, 0, 2))
    weights = (cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data)
    w_ih, w_hh = weights[:2]
    w_hh_t = np.ascontiguousarray(w_hh.T)
    h0 = np.zeros((batch, hidden), np.float32)
    states = np.zeros((time_steps + 1, batch, hidden), np.float32)
    rows = time_steps * batch
    grad = np.ones((batch, time_steps, hidden), np.float32).transpose(1, 0, 2)
    grad_a = np.empty_like(states[1:])
    step_out = np.empty_like(states[0])
    cache = rnn_forward(x_in, h0, *weights)[2]

    def recurrence(weight: np.ndarray) -> None:
        for h_t in states[:-1]:
            np.dot(h_t, weight, out=step_out)  # as the kernels

    parts: dict[str, Callable[[], object]] = {
        "fwd kernel": lambda: rnn_forward(x_in, h0, *weights),
        "fwd GEMM: input projection": lambda: x_in.reshape(rows, -1) @ w_ih.T,
        "fwd GEMMs: per-step recurrence": lambda: recurrence(w_hh_t),
        "bwd kernel": lambda: rnn_backward(grad, None, cache, needs_input_grad=False),
        "bwd GEMMs: per-step recurrence": lambda: recurrence(w_hh),
        "bwd GEMM: dW_hh": lambda: grad_a.reshape(rows, hidden).T @ states[:-1].reshape(rows, -1),
        "bwd GEMM: dW_ih": lambda: grad_a.reshape(rows, hidden).T @ x_in.reshape(rows, -1),
        "(dx GEMM, skipped)": lambda: grad_a.reshape(rows, hidden) @ w_ih,
        "layer: x to time-major copy": lambda: np.ascontiguousarray(x.transpose(1, 0, 2)),
    }
    result = {}
    for name, fn in parts.items():
        for _ in range(2):
            fn()
        values = []
        for _ in range(steps):
            t0 = time.perf_counter()
            fn()
            values.append(1e3 * (time.perf_counter() - t0))
        result[name] = float(np.median(values))
    fwd_gemms = [v for k, v in result.items() if k.startswith("fwd GEMM")]
    bwd_gemms = [v for k, v in result.items() if k.startswith("bwd GEMM")]
    result["fwd rest (elementwise, calls)"] = result["fwd kernel"] - sum(fwd_gemms)
    result["bwd rest (elementwise, calls)"] = result["bwd kernel"] - sum(bwd_gemms)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    for name in args.sizes.split(","):
        shape = SIZES[name]
        steps = args.steps if name != "large" else max(5, args.steps // 4)
        result = phases(shape, steps)
        total = sum(result.values())
        print(f"\n{name} {shape}: step total {total:.3f} ms (sum of phase medians)")
        for phase, ms in result.items():
            print(f"  {phase:18s} {ms:9.3f} ms  {100 * ms / total:5.1f}%")
        for part, ms in kernel_parts(shape, steps).items():
            print(f"    {part:32s} {ms:9.3f} ms")


if __name__ == "__main__":
    main()
