"""One training step of Sequential(RNN(I, H), Linear(H, O)) + MSELoss + SGD, float32.

Contenders, timed in interleaved rounds (medians): tinyrnn; PyTorch eager (when importable:
nn.RNN(batch_first=True) + Linear + MSELoss + SGD, zero_grad(set_to_none=True), with as many
threads as NumPy's BLAS); a plain NumPy loop in the original script's style (a list of states,
one step at a time both ways); and the bare GEMMs of the same step (the floor for NumPy). None
computes dL/dx of the data (tinyrnn: `needs_input_grad = False`; PyTorch: x needs no grad).
Peak memory is traced with tracemalloc around one tinyrnn step, everything live counted.

    python benchmarks/bench_step.py                  # all sizes, under two minutes
    python benchmarks/bench_step.py --sizes medium --seconds 10
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _contenders as C  # noqa: E402

PAUSE = 0.15  # seconds before each block: the other library's idle threads go to sleep
SIZES = {  # name: (batch, time, input, hidden, output), goal for tinyrnn / torch
    "seed": ((1, 3, 3, 16, 3), 0.3),
    "char": ((1, 25, 65, 100, 65), 0.3),
    "medium": ((32, 50, 32, 128, 32), 0.7),
    "large": ((64, 100, 128, 512, 128), 1.0),
}
# Timing budget per size, seconds: a large step takes ~0.1 s, so it needs the most time for a
# median over enough rounds to average out the load of this shared machine (~80 s in all).
SECONDS = {"seed": 8.0, "char": 8.0, "medium": 12.0, "large": 45.0}


def interleaved_medians(steps: dict[str, C.Step], seconds: float) -> dict[str, float]:
    """Median seconds per step of each contender, timed in interleaved blocks.

    Each round runs every contender (in a rotating order) for a block of steps. Blocks, a pause
    before each and one untimed step after it keep the thread pools apart: OpenBLAS's and
    PyTorch's OpenMP workers spin for a while after their last call, and a contender interleaved
    step by step with the other library would be timed against those spinning threads.
    """
    names = list(steps)
    for step in steps.values():  # warm up: caches, scratch buffers, thread pools
        for _ in range(3):
            step()
    rounds = max(8, int(seconds / 3))  # more rounds spread slow drifts in load more evenly
    block = max(seconds / (rounds * len(names)) - PAUSE, 0.0)
    times: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter
    for r in range(rounds):
        for i in range(len(names)):
            name = names[(r + i) % len(names)]
            step = steps[name]
            time.sleep(PAUSE)
            step()
            start = clock()
            while clock() - start < block or len(times[name]) < 2 * (r + 1):
                t0 = clock()
                step()
                times[name].append(clock() - t0)
    return {name: float(np.median(values)) for name, values in times.items()}


def traced_peaks(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """Peak bytes traced during one tinyrnn step, (everything live, allocated in the step),
    and the bytes the BPTT cache strictly needs (states, inputs, parameters, their grads)."""
    tracemalloc.start()  # from before the model exists: parameters, data and scratch count
    try:
        step, needed = C.tinyrnn_step(shape)
        step()  # allocates the scratch a layer keeps between calls (counted in the first peak)
        tracemalloc.reset_peak()
        step()
        everything = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    step()
    tracemalloc.start()  # only what the step itself allocates
    try:
        step()
        in_step = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return everything, in_step, needed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated size names")
    parser.add_argument(
        "--seconds", type=float, default=None, help="timing budget of every size (default: ~80 s)"
    )
    args = parser.parse_args()
    threads = C.blas_threads()
    print(C.environment(threads))
    header = (
        f"{'size':7s} {'B,T,I,H,O':17s} {'tinyrnn':>8s} {'torch':>8s} {'np-loop':>8s} "
        f"{'GEMMs':>8s} {'tiny/torch':>10s} {'goal':>4s} {'tiny/GEMM':>9s} {'loop/tiny':>9s} "
        f"{'need MB':>7s} {'peak MB':>7s} {'x need':>6s} {'step MB':>7s} {'x need':>6s}"
    )
    print(header)
    print("-" * len(header))
    began = time.perf_counter()
    for name in args.sizes.split(","):
        shape, goal = SIZES[name]
        steps = {"tinyrnn": C.tinyrnn_step(shape)[0], "numpy loop": C.numpy_loop_step(shape)}
        steps["gemm"] = C.gemm_step(shape)
        torch_step = C.torch_step(shape, threads)
        if torch_step is not None:
            steps["torch"] = torch_step
        med = interleaved_medians(steps, args.seconds or SECONDS[name])
        everything, in_step, needed = traced_peaks(shape)
        ms = {k: 1e3 * v for k, v in med.items()}
        torch_ms = ms.get("torch", float("nan"))
        ratio = ms["tinyrnn"] / torch_ms
        verdict = "ok" if ratio <= goal else "MISS"
        mb = 2.0**20
        print(
            f"{name:7s} {','.join(map(str, shape)):17s} {ms['tinyrnn']:8.3f} {torch_ms:8.3f} "
            f"{ms['numpy loop']:8.3f} {ms['gemm']:8.3f} {ratio:10.2f} {goal:4.1f} "
            f"{ms['tinyrnn'] / ms['gemm']:9.2f} {ms['numpy loop'] / ms['tinyrnn']:9.1f} "
            f"{needed / mb:7.2f} {everything / mb:7.2f} {everything / needed:6.2f} "
            f"{in_step / mb:7.2f} {in_step / needed:6.2f}  {verdict}",
            flush=True,
        )
    print(f"({time.perf_counter() - began:.0f} s)")
    print(
        "times: median ms per step (forward, backward, SGD update), interleaved blocks; GEMMs: "
        "the same step's matrix products alone.\nneed: states + inputs of every step + "
        "parameters + their grads. peak: tracemalloc peak during a step, everything live "
        "(parameters,\ngrads, optimizer state, x, target, scratch kept between calls); step: "
        "the peak of what the step itself allocates."
    )


if __name__ == "__main__":
    main()
