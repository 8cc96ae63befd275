"""tests/memory_growth.py tells a per-call leak (every interval grows) from a one-off (one does)."""

from __future__ import annotations

import itertools

from memory_growth import measure


def test_a_per_call_leak_grows_every_interval():
    kept = []
    growth = measure(lambda: kept.append(bytearray(1000)), warmup=10, interval=100)
    assert len(growth.per_interval) == 3
    assert min(growth.per_interval) >= 100 * 1000, growth
    assert growth.peak >= 300 * 1000, growth


def test_a_one_off_grows_one_interval_only():
    kept, calls = [], itertools.count()

    def call():
        if next(calls) == 150:  # in the second interval, after the warm-up
            kept.append(bytearray(100_000))

    growth = measure(call, warmup=10, interval=100)
    assert growth.per_interval[1] >= 100_000, growth
    assert min(growth.per_interval) < 1_000, growth
