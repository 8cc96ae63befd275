"""StandardScaler, chronological_split, naive_forecast, rmse and mae (hand-computed values)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tinyrnn.data import StandardScaler, chronological_split, mae, naive_forecast, rmse


def test_scaler_learns_mean_and_population_std():
    x = np.array([[1.0, 10.0], [2.0, 10.0], [3.0, 10.0]])
    scaler = StandardScaler().fit(x)
    assert scaler.mean_.tolist() == [2.0, 10.0]
    # std of 1, 2, 3 is sqrt(2/3); a constant column is left unscaled (scale 1).
    assert scaler.scale_ == pytest.approx([math.sqrt(2 / 3), 1.0])
    scaled = scaler.transform(x)
    assert scaled[:, 0] == pytest.approx([-1.224744871, 0.0, 1.224744871])
    assert scaled[:, 1].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(scaler.inverse_transform(scaled), x)


def test_scaler_uses_only_what_it_was_fitted_on():
    train, later = np.array([0.0, 2.0]), np.array([4.0, 6.0])
    scaler = StandardScaler().fit(train)  # mean 1, std 1
    assert scaler.transform(later).tolist() == [3.0, 5.0]
    assert scaler.fit_transform(later).tolist() == [-1.0, 1.0]  # refitting replaces the stats


def test_scaler_shapes_and_dtypes():
    scaler = StandardScaler().fit(np.arange(6, dtype=np.int64))
    out = scaler.transform(np.arange(6, dtype=np.int64))
    assert out.shape == (6,) and out.dtype == np.float64
    out32 = scaler.inverse_transform(np.zeros((4, 1), dtype=np.float32))
    assert out32.shape == (4, 1) and out32.dtype == np.float32
    assert out32[:, 0].tolist() == [2.5] * 4


def test_scaler_round_trips_through_json():
    scaler = StandardScaler().fit(np.array([[1.0, -5.0], [3.0, 5.0]]))
    state = json.loads(json.dumps(scaler.to_dict()))
    again = StandardScaler.from_dict(state)
    assert again.mean_.tolist() == [2.0, 0.0] and again.scale_.tolist() == [1.0, 5.0]
    assert repr(again) == "StandardScaler(2 features)"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda s: s.transform([1.0]), ValueError, "not fitted"),
        (lambda s: s.to_dict(), ValueError, "not fitted"),
        (lambda s: s.fit([1.0, np.nan]), ValueError, "NaN or infinite"),
        (lambda s: s.fit(np.zeros((0, 2))), ValueError, "no rows"),
        (lambda s: s.fit(np.zeros((2, 2, 2))), ValueError, r"got \(2, 2, 2\)"),
        (lambda s: s.fit(["a"]), TypeError, "expected numbers"),
        (lambda s: s.fit(np.ones((3, 2))).transform(np.ones((3, 3))), ValueError,
         "fitted on 2 features, x has 3"),
        (lambda s: StandardScaler.from_dict({"mean": [0.0]}), ValueError, "unusable state"),
        (lambda s: StandardScaler.from_dict({"mean": [0.0], "scale": [0.0]}), ValueError,
         "scale > 0"),
        (lambda s: StandardScaler.from_dict({"mean": [0.0, 1.0], "scale": [1.0]}), ValueError,
         "equal-length"),
    ],
)  # fmt: skip
def test_scaler_errors(call, error, message):
    with pytest.raises(error, match=f"StandardScaler.*{message}"):
        call(StandardScaler())


def test_chronological_split_keeps_time_order():
    train, val, test = chronological_split(100, 0.15, 0.15)
    assert (train, val, test) == (slice(0, 70), slice(70, 85), slice(85, 100))
    assert chronological_split(10, 0.0, 0.2) == (slice(0, 8), slice(8, 8), slice(8, 10))
    rows = np.arange(309)
    parts = [rows[s] for s in chronological_split(309)]
    assert np.array_equal(np.concatenate(parts), rows)  # every row once, in order
    assert [len(p) for p in parts] == [217, 46, 46]  # round(309 * 0.15) = 46


@pytest.mark.parametrize(
    "args, message",
    [((10, 1.0, 0.0), "val_fraction"), ((10, 0.0, -0.1), "test_fraction"),
     ((2, 0.4, 0.4), "no training rows"), ((0,), "length")],
)  # fmt: skip
def test_chronological_split_errors(args, message):
    with pytest.raises(ValueError, match=message):
        chronological_split(*args)


def test_naive_forecasts():
    series = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    assert naive_forecast(series, 3).tolist() == [4.0, 7.0]  # rows 3, 4 <- rows 2, 3
    assert naive_forecast(series, 2, period=2).tolist() == [1.0, 2.0, 4.0]
    table = np.stack([series, -series], axis=1)
    assert naive_forecast(table, 4).tolist() == [[7.0, -7.0]]
    with pytest.raises(ValueError, match=r"start must be in \[period, time\]"):
        naive_forecast(series, 1, period=2)


def test_rmse_and_mae():
    prediction, target = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 1.0, 4.0])
    assert rmse(prediction, target) == pytest.approx(math.sqrt(5 / 4))  # errors 1, 0, 2, 0
    assert mae(prediction, target) == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="rmse: prediction and target must have the same"):
        rmse([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="mae: .*non-empty"):
        mae([], [])
