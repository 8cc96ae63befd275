"""How bench_step.py measures: interleaved timing blocks (medians), tracemalloc peaks."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Timing:
    """Settings of `interleaved_medians`; `QUICK` is a smoke run's (numbers meaningless)."""

    pause: float = 0.15  # seconds before each block: the other library's idle threads sleep
    min_rounds: int = 8
    warmup: int = 3  # untimed steps of each contender first (>= 1): caches, buffers, threads
    per_block: int = 2  # timed steps at least, per block


QUICK = Timing(pause=0.0, min_rounds=2, warmup=1, per_block=1)


def interleaved_medians(
    steps: Mapping[str, Callable[[], object]], seconds: float, timing: Timing = Timing()
) -> dict[str, float]:
    """Median seconds per step of each contender, timed in interleaved blocks.

    Each round runs every contender (in a rotating order) for a block of steps. Blocks, a pause
    before each and one untimed step after it keep the thread pools apart: OpenBLAS's and
    PyTorch's OpenMP workers spin for a while after their last call, and a contender interleaved
    step by step with the other library would be timed against those spinning threads. About
    one round per 3 s of `seconds`, fewer (down to `min_rounds`) when the steps are so slow
    that a round's minimum (a pause, an untimed and `per_block` timed steps each) would overrun
    the budget; blocks share what the pauses and untimed steps leave of it.
    """
    names = list(steps)
    clock = time.perf_counter
    step_time = {}  # of the last warm-up step
    for name, step in steps.items():
        for _ in range(timing.warmup):
            t0 = clock()
            step()
        step_time[name] = clock() - t0
    overhead = sum(timing.pause + t for t in step_time.values())  # pauses, untimed steps
    least = overhead + timing.per_block * sum(step_time.values())  # a round's minimum
    rounds = max(timing.min_rounds, min(int(seconds / 3), int(seconds / max(least, 1e-9))))
    block = max((seconds / rounds - overhead) / len(names), 0.0)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for i in range(len(names)):
            name = names[(r + i) % len(names)]
            step = steps[name]
            time.sleep(timing.pause)
            step()
            start = clock()
            while clock() - start < block or len(times[name]) < timing.per_block * (r + 1):
                t0 = clock()
                step()
                times[name].append(clock() - t0)
    return {name: float(np.median(values)) for name, values in times.items()}


def traced_peaks(build: Callable[[], Callable[[], object]]) -> tuple[int, int]:
    """Peak bytes traced during one step of what `build` returns: (everything live, allocated
    in the step). Tracing starts before `build`: parameters, data and scratch count."""
    tracemalloc.start()
    try:
        step = build()
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
    return everything, in_step
