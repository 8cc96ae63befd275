"""Built-in synthetic data: a noisy sine wave, the adding problem, and the seed demo's toy rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from ._checks import check_int
from .toy import toy_continuation, toy_sequences

__all__ = ["adding_problem", "sine_wave", "toy_continuation", "toy_sequences"]


def sine_wave(
    length: int,
    *,
    period: float = 50.0,
    amplitude: float = 1.0,
    phase: float = 0.0,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
    dtype: Any = None,
) -> np.ndarray:
    """-> (length,) series amplitude * sin(2 pi t / period + phase) + N(0, noise^2), t = 0, 1, ...

    `period` is in time steps; `noise` is the standard deviation of Gaussian noise added to
    every step, drawn from `rng` (`None`: the library's default generator). Cut the series into
    training pairs with `sliding_windows`.
    """
    who = "sine_wave"
    length = check_int(length, "length", who)
    if not np.isfinite(period) or period <= 0:
        raise ValueError(f"{who}: period must be a positive number of steps, got {period}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{who}: noise (a standard deviation) must be >= 0, got {noise}")
    dtype = resolve_dtype(dtype, who)
    series = amplitude * np.sin(2.0 * np.pi * np.arange(length) / period + phase)
    if noise > 0:
        series += resolve_rng(rng, who).normal(0.0, noise, length)
    return series.astype(dtype)


def adding_problem(
    num_samples: int,
    seq_len: int,
    *,
    rng: np.random.Generator | None = None,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """-> inputs (num_samples, seq_len, 2), targets (num_samples, 1): the adding problem.

    Channel 0 holds values uniform in [0, 1); channel 1 is a marker, 1 at exactly two distinct
    random positions and 0 elsewhere. The target is the sum of the two marked values, so a
    model must remember them across the sequence (Hochreiter & Schmidhuber, 1997). Always
    predicting 1 gives a mean squared error of 1/6 ~ 0.167: a model has learned something only
    below that. Targets are (num_samples, 1), the output of a many-to-one `RNN` + `Linear(h, 1)`.
    """
    who = "adding_problem"
    num_samples = check_int(num_samples, "num_samples", who)
    seq_len = check_int(seq_len, "seq_len", who, minimum=2)
    dtype = resolve_dtype(dtype, who)
    rng = resolve_rng(rng, who)
    values = rng.uniform(0.0, 1.0, (num_samples, seq_len))
    # Two distinct positions without a per-sample loop: draw the second from the seq_len - 1
    # positions left, then shift it past the first.
    first = rng.integers(0, seq_len, num_samples)
    second = rng.integers(0, seq_len - 1, num_samples)
    second += second >= first
    rows = np.arange(num_samples)
    markers = np.zeros_like(values)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    inputs = np.stack([values, markers], axis=-1).astype(dtype)
    targets = (values[rows, first] + values[rows, second])[:, None].astype(dtype)
    return inputs, targets
