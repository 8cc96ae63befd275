"""Honest forecast evaluation: chronological splits, naive baselines, RMSE and MAE."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_int


def chronological_split(
    length: int, val_fraction: float = 0.15, test_fraction: float = 0.15
) -> tuple[slice, slice, slice]:
    """Rows 0..length-1 in time order -> (train, val, test) slices: the first rows train, the
    next `round(length * val_fraction)` validate, the last `round(length * test_fraction)` test.
    Nothing is shuffled across the boundaries, so no split sees the future of another."""
    who = "chronological_split"
    length = check_int(length, "length", who)
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"{who}: {name} must be in [0, 1), got {fraction}")
    n_val, n_test = round(length * val_fraction), round(length * test_fraction)
    n_train = length - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"{who}: {length} rows leave no training rows after {n_val} validation and "
            f"{n_test} test rows"
        )
    return slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, length)


def naive_forecast(series: Any, start: int, period: int = 1) -> np.ndarray:
    """series: (time,) or (time, features) -> the naive forecasts of rows start..time-1, each
    the value `period` rows earlier: period 1 is persistence ("tomorrow as today"), period m
    the seasonal naive forecast of a cycle of m rows. Same trailing shape, time - start rows."""
    who = "naive_forecast"
    period = check_int(period, "period", who)
    start = check_int(start, "start", who, minimum=0)
    values = np.asarray(series)
    if values.ndim not in (1, 2):
        raise ValueError(f"{who}: expected (time,) or (time, features), got {values.shape}")
    if not period <= start <= len(values):
        raise ValueError(
            f"{who}: start must be in [period, time] = [{period}, {len(values)}], got {start}"
        )
    return values[start - period : len(values) - period].copy()


def rmse(prediction: Any, target: Any) -> float:
    """Root mean squared error over every entry: sqrt(mean((prediction - target)^2))."""
    difference = _difference(prediction, target, "rmse")
    return float(np.sqrt(np.mean(difference**2)))


def mae(prediction: Any, target: Any) -> float:
    """Mean absolute error over every entry: mean(|prediction - target|)."""
    return float(np.mean(np.abs(_difference(prediction, target, "mae"))))


def _difference(prediction: Any, target: Any, who: str) -> np.ndarray:
    pred = np.asarray(prediction, dtype=np.float64)
    true = np.asarray(target, dtype=np.float64)
    if pred.shape != true.shape or pred.size == 0:
        raise ValueError(
            f"{who}: prediction and target must have the same non-empty shape, got "
            f"{pred.shape} and {true.shape}"
        )
    return pred - true
