"""Long runs (slow; run with `pytest -m slow`): 10,000 training steps without memory growth.

benchmarks/long_run.py trains a small LSTM/GRU model with `fit` (Adam, clipping, a scheduler,
a shuffled DataLoader, Dropout, validation under no_grad) and reads tracemalloc's live bytes
every 1,000 steps. What may grow is bookkeeping: History's three floats per epoch, the
readings themselves, Adam's step counters once they pass the small-int cache. A leaked array of
even one (16, 16) float32 block per step would add 1 kB per step; the bounds below allow
16 bytes per step and 64 kB over the whole run.
"""

from __future__ import annotations

import gc
import importlib.util
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import tinyrnn
from tinyrnn import GRU, Linear, Sequential

pytestmark = pytest.mark.slow
BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "long_run.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("long_run", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ten_thousand_training_steps_do_not_grow_memory():
    bench = load_benchmark()
    readings, differences = bench.long_run(steps=10_000, every=1_000)
    assert [step for step, _, _ in readings] == list(range(1_000, 10_001, 1_000))
    live = np.array([bytes_ for _, bytes_, _ in readings])
    growth = bench.growth_per_step(readings)
    report = f"live bytes {live.tolist()}, {growth:+.2f} bytes/step; top: {differences}"
    assert growth < 16, report
    assert live[-1] - live[0] < 64 * 1024, report


def test_ten_thousand_no_grad_forwards_do_not_grow_memory():
    rng = np.random.default_rng(0)
    model = Sequential(GRU(3, 16, rng=rng), Linear(16, 2, rng=rng))
    x = rng.standard_normal((4, 8, 3)).astype(np.float32)
    tracemalloc.start()
    try:
        readings = []
        with tinyrnn.no_grad():
            for step in range(1, 10_001):
                model(x)
                if step % 1_000 == 0:
                    gc.collect()
                    readings.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert readings[-1] - readings[0] < 4 * 1024, readings
    assert all(module.pending_backwards == 0 for module in model.modules())
