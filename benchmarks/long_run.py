"""A 10,000-step training run of a small model, watching memory step over step.

`fit` trains Sequential(LSTM(2, H), Dropout, GRU(H, H, many-to-one), Linear(H, 1)) on the
adding problem: Adam, gradient clipping, a StepLR schedule, a shuffled DataLoader and a
validation pass (under no_grad) after every epoch, so every part of a real run takes part.
Every `--every` steps tracemalloc's count of live bytes (NumPy's buffers included) is read at
the same point of the loop (between two steps, after gc.collect()); a leak of even a few bytes
per step shows as a steady climb. The first reading comes after one warm-up interval (buffers
reused from call to call are allocated by then). At the end the largest differences between
the first and the last snapshot are listed by source line.

    python benchmarks/long_run.py                  # 10,000 steps, a reading every 1,000
    python benchmarks/long_run.py --steps 2000 --every 200
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import numpy as np

import tinyrnn
from tinyrnn import GRU, LSTM, Dropout, Linear, MSELoss, Sequential
from tinyrnn.data import ArrayDataset, DataLoader, adding_problem
from tinyrnn.optim import StepLR
from tinyrnn.training import fit


class Metered:
    """The batches of `loader`, reading traced memory every `every` steps up to step `steps`."""

    def __init__(self, loader: DataLoader, every: int, steps: int) -> None:
        self.loader, self.every, self.steps = loader, every, steps
        self.step = 0
        self.readings: list[tuple[int, int, float]] = []  # (step, live bytes, seconds)
        self.snapshots: list[tracemalloc.Snapshot] = []
        self.start = time.perf_counter()

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        for batch in self.loader:
            if self.step % self.every == 0 and 0 < self.step <= self.steps:
                gc.collect()  # count live memory only, not garbage awaiting a cycle collection
                live = tracemalloc.get_traced_memory()[0]
                self.readings.append((self.step, live, time.perf_counter() - self.start))
                snapshot = tracemalloc.take_snapshot()  # keep the first and the latest
                self.snapshots = [self.snapshots[0], snapshot] if self.snapshots else [snapshot]
            self.step += 1
            yield batch


def long_run(
    steps: int = 10_000, every: int = 1_000, hidden: int = 16, seed: int = 0
) -> tuple[list[tuple[int, int, float]], list[Any]]:
    """Train for `steps` steps under tracemalloc -> (readings, top snapshot differences)."""
    rng = np.random.default_rng(seed)
    batch, per_epoch = 16, 100
    x, y = adding_problem(batch * per_epoch, 10, rng=rng)
    val_x, val_y = adding_problem(256, 10, rng=rng)
    model = Sequential(
        LSTM(2, hidden, rng=rng),
        Dropout(0.1, rng=rng),
        GRU(hidden, hidden, return_sequences=False, rng=rng),
        Linear(hidden, 1, rng=rng),
    )
    optimizer = tinyrnn.Adam(model.parameters(), lr=1e-3)
    scheduler = StepLR(optimizer, step_size=20, gamma=0.5)
    loader = DataLoader(ArrayDataset(x, y), batch_size=batch, shuffle=True, rng=rng)
    tracemalloc.start()
    try:
        data = Metered(loader, every, steps)
        # The reading at `steps` is taken before step `steps + 1`: run at least that far.
        epochs = -(-(steps + 1) // per_epoch)
        fit(
            model,
            MSELoss(),
            optimizer,
            data,
            epochs=epochs,
            val_data=(val_x, val_y),
            scheduler=scheduler,
            clip_grad_norm=1.0,
            log=lambda _: None,
        )
    finally:
        tracemalloc.stop()
    # The source lines whose live memory grew most between the first and the last reading.
    first, last = data.snapshots[0], data.snapshots[-1]
    differences = sorted(last.compare_to(first, "lineno"), key=lambda d: -d.size_diff)[:6]
    return data.readings, differences


def growth_per_step(readings: list[tuple[int, int, float]]) -> float:
    """Least-squares slope of live bytes against step over the readings (bytes per step)."""
    step = np.array([r[0] for r in readings], dtype=float)
    live = np.array([r[1] for r in readings], dtype=float)
    return float(np.polyfit(step, live, 1)[0]) if len(readings) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--hidden", type=int, default=16)
    args = parser.parse_args()
    readings, differences = long_run(args.steps, args.every, args.hidden)
    first = readings[0][1]
    print(f"{'step':>7} {'live kB':>10} {'vs first':>10} {'seconds':>9}")
    for step, live, seconds in readings:
        print(f"{step:>7} {live / 1024:>10.1f} {(live - first) / 1024:>+10.2f} {seconds:>9.1f}")
    print(f"growth: {growth_per_step(readings):+.3f} bytes/step (least squares over the readings)")
    print(
        "largest growth by source line, last reading vs the first (History, readings, snapshots):"
    )
    for difference in differences:
        print(f"  {difference}")


if __name__ == "__main__":
    main()
