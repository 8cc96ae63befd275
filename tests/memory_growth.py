"""Live-memory growth per interval of repeated calls, to tell a per-call leak from a one-off.

Measuring from the first call counts one-off allocations: an interpreter's caches filling up
(Python 3.10 after other test modules ran), a JIT compiling hot code. A leak grows the live
bytes in every interval by the same amount; a one-off grows them in one interval at most. So
the tests warm up first, then read tracemalloc at the ends of equal intervals and hold the
smallest growth to the limit.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import NamedTuple


class Growth(NamedTuple):
    per_interval: list[int]  # live bytes gained over each interval (after the warm-up)
    peak: int  # the highest live bytes above the first reading, at any moment after it


def _live_bytes() -> int:
    gc.collect()  # garbage in reference cycles is not kept, whenever the collector runs
    return tracemalloc.get_traced_memory()[0]


def measure(
    call: Callable[[], object], *, warmup: int, interval: int, intervals: int = 3
) -> Growth:
    """Run call() warmup times, then `intervals` x `interval` times, under tracemalloc."""
    tracemalloc.start()
    try:
        for _ in range(warmup):
            call()
        readings = [_live_bytes()]
        tracemalloc.reset_peak()
        for _ in range(intervals):
            for _ in range(interval):
                call()
            readings.append(_live_bytes())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    growth = [readings[i + 1] - readings[i] for i in range(intervals)]
    return Growth(growth, peak - readings[0])
