"""The single operations behind the fused LSTM/GRU kernels' choices, each timed both ways.

Float32, the char (batch 1, hidden 100) and medium (batch 32, hidden 128) shapes, the minimum
of several repeats, microseconds per call. benchmarks/NOTES.md ("Gated kernels") quotes them:

    OPENBLAS_NUM_THREADS=1 python benchmarks/micro_kernel_ops.py
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import numpy as np

from tinyrnn.functional import sigmoid


def us(call: Callable[[], object], number: int = 500) -> float:
    return min(timeit.repeat(call, number=number, repeat=7)) / number * 1e6


def time_shape(steps: int, batch: int, inputs: int, hidden: int) -> None:
    rng = np.random.default_rng(0)
    print(f"batch {batch}, hidden {hidden}:")
    gates = rng.standard_normal((4, steps, batch, hidden)).astype(np.float32)
    step_major = rng.standard_normal((steps, 4, batch, hidden)).astype(np.float32)
    rows = np.ascontiguousarray(gates[:, 0].transpose(1, 0, 2)).reshape(batch, -1)
    strided, contiguous, column = gates[:, 3], step_major[3], rows[:, hidden : 2 * hidden]
    block, out = np.ascontiguousarray(column), np.empty_like(column, order="C")
    lines = {
        "tanh of a step's 4 gates, strided over gates / one contiguous block": (
            lambda: np.tanh(strided, strided),
            lambda: np.tanh(contiguous, contiguous),
        ),
        "multiply of one gate, a column slice of (batch, 4H) / a contiguous block": (
            lambda: np.multiply(column, column, out),
            lambda: np.multiply(block, block, out),
        ),
    }
    three = np.ascontiguousarray(contiguous[:3])
    half = np.array(0.5, np.float32)
    lines["3 sigmoids: stable sigmoid (7 calls) / tanh(a/2) halved in W (3 calls)"] = (
        lambda: sigmoid(three, three),
        lambda: (
            np.tanh(three, three),
            np.multiply(three, half, three),
            np.add(three, half, three),
        ),
    )
    lines["multiply by 0.5: keyword out, Python float / positional out, 0-d array"] = (
        lambda: np.multiply(three, 0.5, out=three),
        lambda: np.multiply(three, half, three),
    )
    weight = rng.standard_normal((hidden, 4 * hidden)).astype(np.float32)
    blocks = np.ascontiguousarray(weight.reshape(hidden, 4, hidden).transpose(1, 0, 2))
    h, recurrent = contiguous[0], np.empty((4, batch, hidden), np.float32)
    lines["step product h W^T: 4 stacked GEMMs / one GEMM into (batch, 4H)"] = (
        lambda: np.matmul(h, blocks, recurrent),
        lambda: np.dot(h, weight, recurrent.reshape(batch, -1)),
    )
    x = rng.standard_normal((steps * batch, inputs)).astype(np.float32)
    w_ih = rng.standard_normal((4, hidden, inputs)).astype(np.float32)
    projected = np.empty((4, steps * batch, hidden), np.float32)

    def per_gate() -> None:
        for k in range(4):
            np.matmul(x, w_ih[k].T, projected[k])

    lines["input projection: stacked matmul on W^T views / 2-D matmul per gate"] = (
        lambda: np.matmul(x, w_ih.transpose(0, 2, 1), projected),
        per_gate,
    )
    for label, (before, after) in lines.items():
        print(f"  {label}: {us(before):.2f} / {us(after):.2f}")


def main() -> None:
    for shape in ((25, 1, 65, 100), (50, 32, 32, 128)):
        time_shape(*shape)


if __name__ == "__main__":
    main()
