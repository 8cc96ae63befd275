"""rollout: autoregressive prediction of a time series, feeding each prediction back in."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._validation import as_float_array
from ..module import Module
from .evaluating import evaluating, model_dtype


def rollout(model: Module, start: Any, steps: int) -> np.ndarray:
    """start: (window, features) or (window,) -> (steps, features) or (steps,) predictions.

    The model maps a window `(1, window, features)` to the next vector, either `(1, features)`
    (e.g. `Sequential(RNN(f, h, return_sequences=False), Linear(h, f))`) or a sequence
    `(1, window, features)` whose last step is the prediction. Each step predicts the next
    vector, drops the window's oldest vector and appends the prediction, so the model always
    sees windows of the length it was trained on (see `sliding_windows`); every window starts
    from a fresh recurrent state (recurrent layers run with `stateful=False`). Runs inside
    `evaluating(model)`: no_grad, eval mode, and the model's flags, carried states and caches
    are restored afterwards. A 1-D `start` is one feature, and then the result is 1-D too.
    """
    if not isinstance(model, Module):
        raise TypeError(f"rollout: expected a tinyrnn Module, got {type(model).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"rollout: steps must be an integer >= 0, got {steps!r}")
    window = as_float_array(start, model_dtype(model), "rollout", "start")
    squeeze = window.ndim == 1
    if squeeze:
        window = window[:, None]
    if window.ndim != 2 or window.shape[0] == 0:
        raise ValueError(
            f"rollout: expected start of shape (window, features) or (window,), got "
            f"{np.shape(start)}"
        )
    features = window.shape[1]
    predictions = np.empty_like(window, shape=(steps, features))
    with evaluating(model, stateful=False):
        for step in range(steps):
            predictions[step] = _next_vector(model(window[None]), features)
            window = np.concatenate([window[1:], predictions[step : step + 1]])
    return predictions[:, 0] if squeeze else predictions


def _next_vector(output: Any, features: int) -> np.ndarray:
    """The prediction in the model's output: (1, features) or (1, time, features) -> (features,)."""
    shape = getattr(output, "shape", None)
    if shape is None or len(shape) not in (2, 3) or shape[0] != 1 or shape[-1] != features:
        raise ValueError(
            f"rollout: the model must map (1, window, {features}) to (1, {features}) or "
            f"(1, time, {features}), got output shape {shape}"
        )
    return output[0, -1] if len(shape) == 3 else output[0]
