"""A float32 training step of Sequential(X(I, H), Linear(H, O)) + MSELoss + SGD, X: RNN/LSTM/GRU.

Many-to-many: forward, BPTT, update. Contenders, timed side by side in interleaved blocks
(medians): tinyrnn (public API only, `needs_input_grad = False`); PyTorch eager when importable
(nn.RNN/LSTM/GRU(batch_first=True) + Linear + MSELoss + SGD, zero_grad(set_to_none=True), as many
threads as NumPy's BLAS, an x that needs no grad); a plain per-step NumPy loop of the same math
(benchmarks/_numpy_loops.py); the bare GEMMs of the same step (the floor for NumPy). First it
checks, at a small shape, that the NumPy loop and PyTorch give tinyrnn's loss, gradients and
updated parameters; at the end, tinyrnn's peak memory (tracemalloc) around one step.

The shared machines set OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE, which force OpenBLAS's
AVX2 kernels on an AVX-512 CPU; measure with them unset (only here: tests and CI keep them):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_step.py  # ~3.5 min
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_step.py \\
        --layers lstm,gru --sizes medium,large --seconds 20
    python benchmarks/bench_step.py --quick --sizes seed   # smoke run (~1 s once warm)

`--quick` times every chosen size (all by default: ~30 s on a quiet machine) with a handful of
steps and no pauses: it shows that everything runs and agrees; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from functools import partial

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _contenders as C  # noqa: E402
from _environment import blas_threads, describe  # noqa: E402
from _gemms import gemm_step  # noqa: E402
from _measure import QUICK, Timing, interleaved_medians, traced_peaks  # noqa: E402

SIZES = {  # name: (batch, time, input, hidden, output)
    "seed": (1, 3, 3, 16, 3),
    "char": (1, 25, 65, 100, 65),
    "medium": (32, 50, 32, 128, 32),
    "large": (64, 100, 128, 512, 128),
}
GOALS = {"rnn": {"seed": 0.3, "char": 0.3, "medium": 0.7, "large": 1.0}}  # tinyrnn / torch
# Timing budget of each layer type at each size, seconds (~3.5 min for all): a large step takes
# 0.1-0.5 s, so it needs the most time for a median over enough rounds to average out the load
# of a shared machine; an LSTM's or GRU's slowest round may stretch it (see interleaved_medians).
SECONDS = {"seed": 6.0, "char": 6.0, "medium": 10.0, "large": 35.0}
CHECK_SHAPE = (3, 7, 5, 16, 4)  # B, T, I, H, O: all different, so a transposition shows


def check_contenders(layers: list[str]) -> str:
    """Raises RuntimeError unless the NumPy loop and PyTorch match tinyrnn after one step."""
    checked = []
    for layer in layers:
        reference = C.tinyrnn_step(CHECK_SHAPE, layer)[0]
        reference.step()
        expected = reference.probe() if reference.probe else {}
        others = {"NumPy loop": C.numpy_loop_step(CHECK_SHAPE, layer)}
        torch_contender = C.torch_step(CHECK_SHAPE, layer)
        if torch_contender is not None:
            others["PyTorch"] = torch_contender
        for name, contender in others.items():
            contender.step()
            got = contender.probe() if contender.probe else {}
            bad = {
                key: float(np.max(np.abs(got[key] - value)))
                for key, value in expected.items()
                if not np.allclose(got[key], value, rtol=1e-4, atol=1e-6)
            }
            if bad or set(got) != set(expected):
                raise RuntimeError(f"{layer}: {name} differs from tinyrnn (max abs diff): {bad}")
        checked.append(f"{layer} ({' and '.join(others)})")
    return (
        f"check at B,T,I,H,O = {','.join(map(str, CHECK_SHAPE))}: loss, gradients and updated "
        f"parameters match tinyrnn's (rtol 1e-4) for {', '.join(checked)}"
    )


def tinyrnn_train_step(shape: tuple[int, ...], layer: str) -> Callable[[], None]:
    return C.tinyrnn_step(shape, layer)[0].step


def names_option(choices: list[str]):
    """argparse type: a comma-separated subset of `choices`, in the given order."""

    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in choices]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"{text!r}: choose from {','.join(choices)}")
        return names

    return parse


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=names_option(list(C.LAYERS)), default=list(C.LAYERS))
    parser.add_argument("--sizes", type=names_option(list(SIZES)), default=list(SIZES))
    parser.add_argument("--seconds", type=float, help="budget of each layer and size")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny budgets")
    args = parser.parse_args(argv)
    timing = QUICK if args.quick else Timing()
    threads = blas_threads()  # before torch is imported: NumPy's BLAS, not torch's pools
    print(describe(threads))
    print(check_contenders(args.layers))
    header = (
        f"{'size':7s} {'layer':5s} {'B,T,I,H,O':17s} {'tinyrnn':>8s} {'torch':>8s} "
        f"{'np-loop':>8s} {'GEMMs':>8s} {'tiny/torch':>10s} {'goal':>4s} {'tiny/loop':>9s} "
        f"{'tiny/GEMMs':>10s}"
    )
    print(f"\nms per step (median)\n{header}\n{'-' * len(header)}")
    began, memory = time.perf_counter(), []
    for size in args.sizes:
        shape = SIZES[size]
        for layer in args.layers:
            tiny, needed = C.tinyrnn_step(shape, layer)
            steps = {"tinyrnn": tiny.step, "numpy loop": C.numpy_loop_step(shape, layer).step}
            steps["gemm"] = gemm_step(shape, layer).step
            torch_contender = C.torch_step(shape, layer)
            if torch_contender is not None:
                steps["torch"] = torch_contender.step
            seconds = args.seconds if args.seconds is not None else SECONDS[size]
            seconds = 0.0 if args.quick and args.seconds is None else seconds
            ms = {k: 1e3 * v for k, v in interleaved_medians(steps, seconds, timing).items()}
            del steps, tiny, torch_contender
            torch_ms, goal = ms.get("torch", float("nan")), GOALS.get(layer, {}).get(size)
            ratio = ms["tinyrnn"] / torch_ms
            verdict = "" if goal is None else (" ok" if ratio <= goal else " MISS")
            print(
                f"{size:7s} {layer:5s} {','.join(map(str, shape)):17s} {ms['tinyrnn']:8.3f} "
                f"{torch_ms:8.3f} {ms['numpy loop']:8.3f} {ms['gemm']:8.3f} {ratio:10.2f} "
                f"{'-' if goal is None else goal:>4} {ms['tinyrnn'] / ms['numpy loop']:9.2f} "
                f"{ms['tinyrnn'] / ms['gemm']:10.2f}{verdict}",
                flush=True,
            )
            peaks = traced_peaks(partial(tinyrnn_train_step, shape, layer))
            memory.append((size, layer, needed, *peaks))
    print(f"({time.perf_counter() - began:.0f} s)")
    print(
        "median ms per step (forward, backward, SGD update) over interleaved blocks; GEMMs: the "
        "same step's matrix products alone.\ngoal: the target for tiny/torch (ok or MISS)."
    )
    print(
        f"\ntinyrnn's memory, MiB\n{'size':7s} {'layer':5s} {'need':>7s} {'peak':>7s} "
        f"{'x need':>6s} {'step':>7s} {'x need':>6s}"
    )
    for size, layer, needed, everything, in_step in memory:
        mib = 2.0**20
        print(
            f"{size:7s} {layer:5s} {needed / mib:7.2f} {everything / mib:7.2f} "
            f"{everything / needed:6.2f} {in_step / mib:7.2f} {in_step / needed:6.2f}"
        )
    print(
        "need: the states (h; h and c for the LSTM) and inputs of every step + parameters + "
        "grads. peak: tracemalloc peak\nduring a step, everything live (parameters, grads, x, "
        "target, scratch kept between calls); step: the peak of\nwhat the step itself allocates."
    )


if __name__ == "__main__":
    main()
