"""sliding_windows and the generators: shapes, values, alignment, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.data import adding_problem, sine_wave, sliding_windows, toy_sequences
from tinyrnn.data.generators import toy_continuation


@pytest.mark.parametrize("features", [None, 1, 3])
@pytest.mark.parametrize(("window", "horizon", "stride"), [(3, 1, 1), (4, 2, 3), (1, 1, 2)])
def test_windows_align_with_series(features, window, horizon, stride):
    length = 17
    # series[t, f] = 100 t + f, so every value says where it came from.
    series = 100.0 * np.arange(length)[:, None] + np.arange(features or 1)
    if features is None:
        series = series[:, 0]
    inputs, targets = sliding_windows(series, window, horizon=horizon, stride=stride)
    count = (length - window - horizon) // stride + 1
    width = features or 1
    assert inputs.shape == (count, window, width)
    assert targets.shape == (count, horizon, width)
    for i in range(count):
        begin = i * stride
        np.testing.assert_array_equal(inputs[i, :, 0], 100.0 * np.arange(begin, begin + window))
        expected = 100.0 * np.arange(begin + window, begin + window + horizon)
        np.testing.assert_array_equal(targets[i, :, 0], expected)
        np.testing.assert_array_equal(inputs[i, 0], series.reshape(length, -1)[begin])
    # The last target does not run past the series and is as late as the stride allows.
    assert targets[-1, -1, 0] <= 100.0 * (length - 1)
    assert targets[-1, -1, 0] > 100.0 * (length - 1 - stride)


def test_windows_exact_fit_and_copies():
    series = np.arange(5.0)
    inputs, targets = sliding_windows(series, 4)
    assert inputs.shape == (1, 4, 1) and targets.shape == (1, 1, 1)
    assert targets[0, 0, 0] == 4.0
    for out in (inputs, targets):
        assert not np.shares_memory(out, series)
        assert out.flags.writeable and out.flags.c_contiguous
    inputs[...] = -1
    np.testing.assert_array_equal(series, np.arange(5.0))


def test_windows_keep_dtype():
    inputs, targets = sliding_windows(np.arange(10, dtype=np.float32), 3)
    assert inputs.dtype == targets.dtype == np.float32


def test_windows_errors():
    with pytest.raises(ValueError, match=r"window \(5\) \+ horizon \(2\) = 7 .* \(6 steps\)"):
        sliding_windows(np.zeros(6), 5, horizon=2)
    with pytest.raises(ValueError, match="window must be >= 1"):
        sliding_windows(np.zeros(6), 0)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        sliding_windows(np.zeros(6), 2, stride=0)
    with pytest.raises(TypeError, match="horizon must be an integer"):
        sliding_windows(np.zeros(6), 2, horizon=1.5)
    with pytest.raises(ValueError, match=r"\(time,\) or \(time, features\)"):
        sliding_windows(np.zeros((6, 2, 2)), 2)
    with pytest.raises(TypeError, match="numeric"):
        sliding_windows(np.array(["a", "b", "c"]), 1)
    with pytest.raises(ValueError, match="longer than the series"):
        sliding_windows(np.zeros(0), 1)


def test_sine_wave_values_and_noise():
    clean = sine_wave(100, period=20.0, amplitude=2.0, phase=0.5, dtype=np.float64)
    t = np.arange(100)
    np.testing.assert_allclose(clean, 2.0 * np.sin(2 * np.pi * t / 20.0 + 0.5), atol=1e-12)
    noisy = sine_wave(
        20000,
        period=20.0,
        amplitude=2.0,
        phase=0.5,
        noise=0.3,
        rng=np.random.default_rng(1),
        dtype=np.float64,
    )
    residual = noisy - 2.0 * np.sin(2 * np.pi * np.arange(20000) / 20.0 + 0.5)
    assert abs(residual.std() - 0.3) < 0.01 and abs(residual.mean()) < 0.01
    again = sine_wave(
        20000,
        period=20.0,
        amplitude=2.0,
        phase=0.5,
        noise=0.3,
        rng=np.random.default_rng(1),
        dtype=np.float64,
    )
    np.testing.assert_array_equal(noisy, again)
    assert sine_wave(10).dtype == np.float32 and sine_wave(10).shape == (10,)


def test_sine_wave_errors():
    with pytest.raises(ValueError, match="length must be >= 1"):
        sine_wave(0)
    with pytest.raises(ValueError, match="noise"):
        sine_wave(10, noise=-1.0)
    with pytest.raises(ValueError, match="period"):
        sine_wave(10, period=0.0)


@pytest.mark.parametrize("seq_len", [2, 3, 50])
def test_adding_problem(seq_len):
    inputs, targets = adding_problem(
        500, seq_len, rng=np.random.default_rng(seq_len), dtype=np.float64
    )
    assert inputs.shape == (500, seq_len, 2) and targets.shape == (500, 1)
    values, markers = inputs[..., 0], inputs[..., 1]
    assert set(np.unique(markers)) <= {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=1), 2.0)
    assert values.min() >= 0.0 and values.max() < 1.0
    # The target is the sum of the two marked values.
    np.testing.assert_allclose(targets[:, 0], (values * markers).sum(axis=1), atol=1e-12)
    # Marker positions cover the whole sequence (no position is never used).
    if seq_len <= 3:
        assert (markers.sum(axis=0) > 0).all()


def test_adding_problem_reproducible_and_baseline():
    a = adding_problem(4000, 10, rng=np.random.default_rng(7))
    b = adding_problem(4000, 10, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].dtype == np.float32
    # Predicting 1 everywhere: mean squared error ~ Var(U + U') = 1/6.
    assert abs(np.mean((a[1] - 1.0) ** 2) - 1 / 6) < 0.02


def test_adding_problem_errors():
    with pytest.raises(ValueError, match="seq_len must be >= 2"):
        adding_problem(10, 1)
    with pytest.raises(ValueError, match="num_samples must be >= 1"):
        adding_problem(0, 5)
    with pytest.raises(TypeError, match="Generator"):
        adding_problem(3, 5, rng=1)


def test_toy_sequences_rule():
    inputs, targets = toy_sequences(8, rng=np.random.default_rng(0), dtype=np.float64)
    assert inputs.shape == (8, 3, 3) and targets.shape == (8, 3)
    np.testing.assert_allclose(np.diff(inputs[:, :, 0], axis=1), 0.1, atol=1e-12)
    np.testing.assert_allclose(targets[:, 0] - inputs[:, -1, 0], 0.1, atol=1e-12)
    np.testing.assert_array_equal(targets[:, 1:], inputs[:, -1, 1:])
    np.testing.assert_allclose(toy_continuation(inputs[0], 2)[1, 0], inputs[0, -1, 0] + 0.2)


def test_toy_sequences_defaults_follow_the_library():
    tr.seed(3)
    first, _ = toy_sequences(4)
    tr.seed(3)
    again, _ = toy_sequences(4)
    np.testing.assert_array_equal(first, again)  # rng=None is the library's seeded generator
    assert first.dtype == tr.get_default_dtype()
    with pytest.raises(TypeError, match="toy_sequences: expected dtype"):
        toy_sequences(4, dtype=np.int32)
