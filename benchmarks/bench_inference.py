"""Inference with a trained recurrent model, batch 1, float32: tinyrnn against PyTorch eager.

1. One-step streaming: a cell called on one time step, as in online prediction
   (`RNNCell`/`LSTMCell`/`GRUCell` against `torch.nn.*Cell` under `torch.no_grad()`, input 65,
   hidden 100, the char model's sizes), microseconds per call.
2. Character sampling: `tinyrnn.sample` from `Sequential(X(V, H), Linear(H, V))` (V = 65,
   H = 100; incremental: the layer carries its state, one character per call) against the
   same model in PyTorch (`nn.RNN/LSTM/GRU` + `nn.Linear`, the state carried, a one-hot input,
   softmax and `torch.multinomial` per character), characters per second.

Contenders alternate in blocks, each after a pause (the minimum per call or character of each
block, then the median over blocks); as bench_step.py, run with `env -u OPENBLAS_CORETYPE -u
OPENBLAS_L2_SIZE` for the CPU's own BLAS kernels. Prints tinyrnn / PyTorch time ratios (< 1:
tinyrnn faster).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_inference.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _environment import blas_threads, describe  # noqa: E402

import tinyrnn  # noqa: E402
from tinyrnn.data.vocab import CharVocab  # noqa: E402

INPUT, HIDDEN = 65, 100
CELLS = {"rnn": tinyrnn.RNNCell, "lstm": tinyrnn.LSTMCell, "gru": tinyrnn.GRUCell}
LAYERS = {"rnn": tinyrnn.RNN, "lstm": tinyrnn.LSTM, "gru": tinyrnn.GRU}
TEXT = "".join(chr(c) for c in range(48, 48 + INPUT))  # 65 distinct characters
DTYPE = np.float32
PAUSE = 0.15  # seconds before each block, as in bench_step.py


def alternated(runs: dict[str, Callable[[], object]], rounds: int, per_block: int) -> dict:
    """Median over `rounds` blocks of the fastest of `per_block` calls, seconds, per contender."""
    best: dict[str, list[float]] = {name: [] for name in runs}
    for r in range(rounds):
        for name in list(runs)[r % 2 :] + list(runs)[: r % 2]:
            run, fastest = runs[name], float("inf")
            time.sleep(PAUSE)  # the other library's idle BLAS/OpenMP threads stop spinning
            run()
            for _ in range(per_block):
                t0 = time.perf_counter()
                run()
                fastest = min(fastest, time.perf_counter() - t0)
            best[name].append(fastest)
    return {name: float(np.median(values)) for name, values in best.items()}


def cell_steps(kind: str, torch) -> dict[str, Callable[[], object]]:
    """One call of each library's cell on one step of one sample, with the same weights."""
    cell = CELLS[kind](INPUT, HIDDEN, dtype=DTYPE, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((1, INPUT)).astype(DTYPE)
    state = cell.initial_state(1, x)
    torch_cell = getattr(torch.nn, f"{kind.upper()}Cell")(INPUT, HIDDEN)
    with torch.no_grad():
        for name, param in torch_cell.named_parameters():
            param.copy_(torch.from_numpy(getattr(cell, name).data))
    tx = torch.from_numpy(x)
    t_state = tuple(map(torch.from_numpy, state)) if kind == "lstm" else torch.from_numpy(state)

    def tiny() -> object:
        with tinyrnn.no_grad():
            return cell(x, state)

    def torch_step() -> object:
        with torch.no_grad():
            return torch_cell(tx, t_state)

    return {"tinyrnn": tiny, "torch": torch_step}


def samplers(kind: str, length: int, torch) -> dict[str, Callable[[], object]]:
    """Sampling `length` characters after a one-character prime, in each library."""
    vocab = CharVocab(TEXT)
    size, rng = len(vocab), np.random.default_rng(0)
    model = tinyrnn.Sequential(
        LAYERS[kind](size, HIDDEN, dtype=DTYPE, rng=rng), tinyrnn.Linear(HIDDEN, size, dtype=DTYPE)
    )
    layer = getattr(torch.nn, kind.upper())(size, HIDDEN, batch_first=True)
    linear = torch.nn.Linear(HIDDEN, size)
    with torch.no_grad():
        for name, param in model.state_dict().items():
            owner, key = (layer, name.split(".")[-1]) if name[0] == "0" else (linear, name[2:])
            getattr(owner, f"{key}_l0" if owner is layer else key).copy_(torch.from_numpy(param))
    generator, draw_rng = torch.Generator().manual_seed(0), np.random.default_rng(0)

    def tiny() -> object:
        return tinyrnn.sample(model, vocab, TEXT[0], length, rng=draw_rng)

    def torch_sample() -> object:
        with torch.no_grad():
            x, state, out = torch.zeros(1, 1, size), None, []
            x[0, 0, 0] = 1.0
            for _ in range(length):
                h, state = layer(x, state)
                probabilities = torch.softmax(linear(h[0, -1]), dim=-1)
                index = int(torch.multinomial(probabilities, 1, generator=generator))
                out.append(index)
                x.zero_()
                x[0, 0, index] = 1.0
            return vocab.decode(np.array(out))

    return {"tinyrnn": tiny, "torch": torch_sample}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="alternated blocks per figure")
    parser.add_argument("--length", type=int, default=200, help="characters per sample")
    args = parser.parse_args(argv)
    threads = blas_threads()
    print(describe(threads))
    try:
        import torch
    except ImportError:
        print("torch is not importable: nothing to compare against")
        return
    print(f"\none step of a cell, batch 1, input {INPUT}, hidden {HIDDEN} (us per call)")
    print(f"{'cell':8s} {'tinyrnn':>8s} {'torch':>8s} {'tiny/torch':>10s}")
    for kind in CELLS:
        us = {k: 1e6 * v for k, v in alternated(cell_steps(kind, torch), args.rounds, 200).items()}
        ratio = us["tinyrnn"] / us["torch"]
        print(f"{kind:8s} {us['tinyrnn']:8.1f} {us['torch']:8.1f} {ratio:10.2f}", flush=True)
    print(f"\nsampling {args.length} characters, V = {len(TEXT)}, hidden {HIDDEN} (chars/s)")
    print(f"{'layer':8s} {'tinyrnn':>8s} {'torch':>8s} {'tiny/torch time':>15s}")
    for kind in LAYERS:
        runs = samplers(kind, args.length, torch)
        seconds = alternated(runs, max(3, args.rounds // 3), 2)
        rate = {name: args.length / value for name, value in seconds.items()}
        print(
            f"{kind:8s} {rate['tinyrnn']:8.0f} {rate['torch']:8.0f} "
            f"{seconds['tinyrnn'] / seconds['torch']:15.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
