"""sliding_windows: cut a time series into (input window, following values) training pairs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_columns, check_int


def sliding_windows(
    series: Any, window: int, horizon: int = 1, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """series: (time,) or (time, features) -> inputs (n, window, features), targets (n, horizon,
    features).

    Pair i reads `series[s : s + window]` as input and the next `horizon` values
    `series[s + window : s + window + horizon]` as target, with `s = i * stride`, so
    `n = (time - window - horizon) // stride + 1`. A 1-D series counts as one feature, so both
    outputs are always 3-D and `inputs` fits an RNN directly; for a model that predicts one
    vector `(batch, features)`, train on `targets[:, 0]` (horizon 1). Both outputs are new
    contiguous arrays (copies, never views of `series`) with the series' dtype.
    """
    who = "sliding_windows"
    window = check_int(window, "window", who)
    horizon = check_int(horizon, "horizon", who)
    stride = check_int(stride, "stride", who)
    values = as_columns(series, who, "series", "time")
    length = values.shape[0]
    if window + horizon > length:
        raise ValueError(
            f"{who}: window ({window}) + horizon ({horizon}) = {window + horizon} is longer than "
            f"the series ({length} steps)"
        )
    # A read-only view (n_all, features, window + horizon) of every span; strided, then copied.
    spans = np.lib.stride_tricks.sliding_window_view(values, window + horizon, axis=0)[::stride]
    spans = spans.transpose(0, 2, 1)  # -> (n, window + horizon, features)
    # .copy() always copies (C order): np.ascontiguousarray could return the view itself.
    return spans[:, :window].copy(), spans[:, window:].copy()
