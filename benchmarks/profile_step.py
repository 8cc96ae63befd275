"""Where the time of one tinyrnn training step goes: median milliseconds per phase, per size.

    python benchmarks/profile_step.py [--layers rnn,lstm,gru] [--sizes medium,large] [--steps 30]

Phases: zero_grad, the recurrent layer's forward, Linear forward, MSE forward, MSE backward,
Linear backward, the layer's backward, SGD step; then the layer's fused kernels against their
GEMMs re-run alone (the rest of a kernel is its elementwise work and call overhead) and the
layer's copy of x to time-major. As bench_step.py, run with `env -u OPENBLAS_CORETYPE -u
OPENBLAS_L2_SIZE` for the CPU's own BLAS kernels.
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
from tinyrnn.layers.rnn import FUSED_KERNELS  # noqa: E402


def phases(shape: tuple[int, ...], layer: str, steps: int) -> dict[str, float]:
    """Median ms of each phase of the training step."""
    model = C._model(shape, layer)
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
        h = timed("layer forward", rnn, x)
        y = timed("Linear forward", linear, h)
        timed("MSE forward", loss_fn, y, target)
        g = timed("MSE backward", loss_fn.backward)
        gh = timed("Linear backward", linear.backward, g)
        timed("layer backward", rnn.backward, gh)
        timed("SGD step", optimizer.step)
        if i < 3:
            times.clear()
    return {name: float(np.median(values)) for name, values in times.items()}


def kernel_parts(shape: tuple[int, ...], layer: str, steps: int) -> dict[str, float]:
    """Median ms of the layer's fused kernels and of their GEMMs re-run alone on the same data;
    the rest of a kernel (its elementwise work and call overhead) is the difference."""
    batch, time_steps, _, hidden, _ = shape
    cell = C._model(shape, layer)[0].cell
    forward, backward = FUSED_KERNELS[type(cell)]
    x = C._data(shape)[0]
    x_in = np.ascontiguousarray(x.transpose(1, 0, 2))
    weights = (cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data)
    w_ih, w_hh = weights[:2]  # (gates * hidden, input), (gates * hidden, hidden)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    options = {"nonlinearity": cell.nonlinearity} if layer == "rnn" else {}
    state0 = cell.initial_state(batch, x_in)
    states = np.zeros((time_steps + 1, batch, hidden), np.float32)
    rows = time_steps * batch
    grad = np.ones((batch, time_steps, hidden), np.float32).transpose(1, 0, 2)
    grad_a = np.zeros((time_steps, batch, w_hh.shape[0]), np.float32)
    step_out, step_back = np.empty((batch, w_hh.shape[0]), np.float32), np.empty_like(states[0])
    cache = forward(x_in, state0, *weights, mask=None, **options)[2]

    def recurrence_forward() -> None:
        for h_t in states[:-1]:
            np.matmul(h_t, w_hh_t, out=step_out)

    def recurrence_backward() -> None:
        for a_t in grad_a:
            np.matmul(a_t, w_hh, out=step_back)

    parts: dict[str, Callable[[], object]] = {
        "fwd kernel": lambda: forward(x_in, state0, *weights, mask=None, **options),
        "fwd GEMM: input projection": lambda: x_in.reshape(rows, -1) @ w_ih.T,
        "fwd GEMMs: per-step recurrence": recurrence_forward,
        "bwd kernel": lambda: backward(grad, None, cache, needs_input_grad=False),
        "bwd GEMMs: per-step recurrence": recurrence_backward,
        "bwd GEMM: dW_hh": lambda: grad_a.reshape(rows, -1).T @ states[:-1].reshape(rows, -1),
        "bwd GEMM: dW_ih": lambda: grad_a.reshape(rows, -1).T @ x_in.reshape(rows, -1),
        "(dx GEMM, skipped)": lambda: grad_a.reshape(rows, -1) @ w_ih,
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default=",".join(C.LAYERS))
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args(argv)
    for layer in args.layers.split(","):
        for name in args.sizes.split(","):
            shape = SIZES[name]
            steps = args.steps if name != "large" else max(5, args.steps // 4)
            result = phases(shape, layer, steps)
            total = sum(result.values())
            print(f"\n{layer} {name} {shape}: step total {total:.3f} ms (sum of phase medians)")
            for phase, ms in result.items():
                print(f"  {phase:18s} {ms:9.3f} ms  {100 * ms / total:5.1f}%")
            for part, ms in kernel_parts(shape, layer, steps).items():
                print(f"    {part:32s} {ms:9.3f} ms")


if __name__ == "__main__":
    main()
