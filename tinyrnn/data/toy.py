"""The seed demo's toy dataset: short vector sequences whose first element grows by a constant.

Rule: x_0 is uniform in [-1, 1]^3 and every step adds STEP to the first element only,
x_{t+1} = x_t + (STEP, 0, 0). A sample's input is x_0 .. x_{T-1} (T = 3 steps) and its target
is the next vector x_T. Predicting the next vector and feeding it back generates a sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng

STEP = 0.1  # the constant added to the first element at every time step


def toy_sequences(
    num_samples: int,
    input_steps: int = 3,
    features: int = 3,
    step: float = STEP,
    *,
    rng: np.random.Generator | None = None,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """-> (inputs (num_samples, input_steps, features), targets (num_samples, features))."""
    if num_samples < 1 or input_steps < 1 or features < 1:
        raise ValueError(
            f"toy_sequences: num_samples, input_steps and features must be >= 1, got "
            f"{num_samples}, {input_steps}, {features}"
        )
    dtype, rng = resolve_dtype(dtype, "toy_sequences"), resolve_rng(rng, "toy_sequences")
    start = rng.uniform(-1.0, 1.0, (num_samples, 1, features))
    increments = np.zeros(features)
    increments[0] = step
    # Step t holds x_0 + t * (step, 0, 0); the last step is the target.
    times = np.arange(input_steps + 1)[None, :, None]
    sequences = (start + times * increments).astype(dtype)
    return sequences[:, :input_steps], sequences[:, input_steps]


def toy_continuation(start: np.ndarray, length: int, step: float = STEP) -> np.ndarray:
    """The true next `length` vectors after a sequence `start` (time, features) of the toy rule."""
    increments = np.zeros_like(start[-1])
    increments[0] = step
    return start[-1] + np.arange(1, length + 1)[:, None] * increments
