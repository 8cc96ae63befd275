"""Shared fixtures: keep them small and generic (several test files use them)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

import tinyrnn

# Hypothesis (tests/test_properties_*.py): each test sets its own max_examples. Profile "ci"
# (HYPOTHESIS_PROFILE=ci) draws the same examples on every run, so a failure reproduces;
# the default profile draws new ones each run. No deadline: the machines are shared.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Figures measured by the tests (e.g. the largest gradcheck error), printed after the run.
_MEASURED: dict[str, float] = {}


@pytest.fixture
def float64() -> Iterator[None]:
    """Make float64 the default dtype for the test, restoring the previous default afterwards."""
    previous = tinyrnn.get_default_dtype()
    tinyrnn.set_default_dtype(np.float64)
    try:
        yield
    finally:
        tinyrnn.set_default_dtype(previous)


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator: every test draws the same numbers on every run."""
    return np.random.default_rng(12345)


@pytest.fixture
def record_max() -> Callable[[str, float], None]:
    """record_max(name, value): keep the largest value per name; listed in pytest's summary."""

    def record(name: str, value: float) -> None:
        _MEASURED[name] = max(_MEASURED.get(name, 0.0), float(value))

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _MEASURED:
        terminalreporter.section("measured maxima")
        for name, value in sorted(_MEASURED.items()):
            terminalreporter.write_line(f"{name}: {value:.3g}")
