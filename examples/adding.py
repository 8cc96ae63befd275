"""The adding problem: can a model remember two marked numbers across a long sequence?

    python examples/adding.py                   # LSTM vs GRU vs vanilla RNN, 50 steps, ~60 s
    python examples/adding.py --cells lstm --seq-len 100 --epochs 12
    python examples/adding.py --fast            # about 3 s (used by the tests)

Times measured with one BLAS thread (`OPENBLAS_NUM_THREADS=1 python ...`; see "BLAS threads" in
docs/training.md) on a shared 2-core machine under load.

Each input is a sequence of (value, marker) pairs: values uniform in [0, 1), the marker 1 at
exactly two positions. The target is the sum of the two marked values. Always answering 1 (the
mean) gives a mean squared error of 1/6 ~ 0.167: a model has learned something only below that.
The gradient of the answer must travel back across up to --seq-len steps to reach the marked
values, which is exactly where a vanilla RNN's gradient vanishes and gated cells keep it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tinyrnn as tr
from tinyrnn.data import ArrayDataset, DataLoader, adding_problem
from tinyrnn.training import evaluate, fit

LAYERS = {"lstm": tr.LSTM, "gru": tr.GRU, "rnn": tr.RNN}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", default="lstm,gru,rnn", help="comma-separated: lstm,gru,rnn")
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true", help="tiny run for tests (seconds)")
    args = parser.parse_args(argv)
    if args.fast:
        args.seq_len, args.samples, args.epochs, args.hidden_size = 10, 1000, 4, 16
    cells = [cell.strip() for cell in args.cells.split(",")]
    unknown = [cell for cell in cells if cell not in LAYERS]
    if unknown:
        parser.error(f"unknown cell(s) {unknown}; choose from {sorted(LAYERS)}")

    rng = np.random.default_rng(args.seed)
    x, y = adding_problem(args.samples, args.seq_len, rng=rng)
    test = adding_problem(1000, args.seq_len, rng=rng)
    baseline = float(np.mean((test[1] - 1.0) ** 2))
    print(f"adding problem: {args.samples} training sequences of {args.seq_len} steps")
    print(f"baseline (always answer 1): test MSE {baseline:.4f}\n")

    results = {"baseline": baseline}
    for cell in cells:
        print(f"--- {cell.upper()}, {args.hidden_size} hidden units, Adam, clip 1.0")
        started = time.perf_counter()
        model = tr.Sequential(
            LAYERS[cell](2, args.hidden_size, return_sequences=False, rng=rng),  # many-to-one
            tr.Linear(args.hidden_size, 1, rng=rng),
        )
        loader = DataLoader(ArrayDataset(x, y), batch_size=50, shuffle=True, rng=rng)
        optimizer = tr.Adam(model.parameters(), lr=0.005)
        fit(model, tr.MSELoss(), optimizer, loader, epochs=args.epochs, clip_grad_norm=1.0,
            log_every=2, progress=False)  # fmt: skip
        results[cell] = evaluate(model, tr.MSELoss(), test)
        seconds = time.perf_counter() - started
        verdict = "solved" if results[cell] < 0.1 * baseline else "no better than the baseline"
        if 0.1 * baseline <= results[cell] < 0.9 * baseline:
            verdict = "learning"
        print(f"{cell}: test MSE {results[cell]:.4f} ({verdict}) in {seconds:.1f} s\n")

    print("test MSE:  " + "  ".join(f"{name} {value:.4f}" for name, value in results.items()))
    return results


if __name__ == "__main__":
    main()
