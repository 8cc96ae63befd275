"""A/B of the fused kernels: a git revision's tinyrnn/functional against the working tree's.

One process, the two versions alternated call by call, the minimum of many forward + backward
passes each (the least disturbed by the other jobs of a shared machine); single-threaded BLAS
unless told otherwise. Prints ms per pass and new/old per layer type and size:

    OPENBLAS_NUM_THREADS=1 python benchmarks/ab_kernels.py --old main --layers lstm,gru
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_step import SIZES, names_option  # noqa: E402

import tinyrnn.functional as new_functional  # noqa: E402

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def functional_at(revision: str) -> Any:
    """tinyrnn/functional as it was at `revision`, imported as a package of its own."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = tempfile.mkdtemp(prefix="ab_kernels_")
    package = os.path.join(folder, "old_functional")
    os.mkdir(package)
    listing = ["git", "-C", root, "ls-tree", "--name-only", f"{revision}:tinyrnn/functional"]
    for name in subprocess.run(listing, check=True, capture_output=True, text=True).stdout.split():
        show = ["git", "-C", root, "show", f"{revision}:tinyrnn/functional/{name}"]
        text = subprocess.run(show, check=True, capture_output=True, text=True).stdout
        with open(os.path.join(package, name), "w") as file:
            file.write(text)
    sys.path.insert(0, folder)
    try:
        return importlib.import_module("old_functional")  # its __init__ imports every module
    finally:
        sys.path.remove(folder)
        shutil.rmtree(folder)


def pass_of(functional: Any, layer: str, shape: tuple[int, ...]) -> Callable[[], None]:
    """One forward + backward of `layer`'s kernel (float32, no dx, as in training)."""
    batch, steps, inputs, hidden, _ = shape
    rng = np.random.default_rng(0)
    rows, bound = GATES[layer] * hidden, 1 / np.sqrt(hidden)
    weights = [
        rng.uniform(-bound, bound, size).astype(np.float32)
        for size in ((rows, inputs), (rows, hidden), rows, rows)
    ]
    x = rng.standard_normal((steps, batch, inputs)).astype(np.float32)
    grad_h = rng.standard_normal((steps, batch, hidden)).astype(np.float32)
    h0 = np.zeros((batch, hidden), np.float32)
    state0 = (h0, h0.copy()) if layer == "lstm" else h0
    forward = getattr(functional, f"{layer}_forward")
    backward = getattr(functional, f"{layer}_backward")

    def run() -> None:
        _, _, cache = forward(x, state0, *weights)
        backward(grad_h, None, cache, needs_input_grad=False)

    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="main", help="git revision of the A side")
    parser.add_argument("--layers", type=names_option(list(GATES)), default=["lstm", "gru"])
    parser.add_argument(
        "--sizes", type=names_option(list(SIZES)), default=["seed", "char", "medium"]
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="budget per layer and size")
    args = parser.parse_args(argv)
    old = functional_at(args.old)
    print(
        f"old: {args.old}; new: working tree; OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}; minimum ms per pass"
    )
    print(f"{'size':7s} {'layer':5s} {'old':>9s} {'new':>9s} {'new/old':>7s}")
    for size in args.sizes:
        for layer in args.layers:
            runs = {
                "old": pass_of(old, layer, SIZES[size]),
                "new": pass_of(new_functional, layer, SIZES[size]),
            }
            best = dict.fromkeys(runs, float("inf"))
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end:
                for name, run in runs.items():
                    t0 = time.perf_counter()
                    run()
                    best[name] = min(best[name], time.perf_counter() - t0)
            print(
                f"{size:7s} {layer:5s} {1e3 * best['old']:9.3f} {1e3 * best['new']:9.3f} "
                f"{best['new'] / best['old']:7.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
