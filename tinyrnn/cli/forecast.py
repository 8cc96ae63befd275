"""`tinyrnn forecast`: roll a CSV model out N steps past the end of a file, in one process."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..data import SeriesTable
from ..sampling import rollout
from .evaluate import predict
from .files import CLIError
from .series import read_table, scale_and_window
from .stored import load_kept_model, read_stored


def run_forecast(args: argparse.Namespace) -> int:
    """Print the forecast as CSV (time or step column, then the targets), optionally plot it."""
    stored = read_stored(args.checkpoint, "series", "forecast")
    if args.steps < 1:
        raise CLIError(f"--steps must be >= 1, got {args.steps}")
    data = stored["data"]
    spec = data["csv"]
    if spec["features"] != spec["target"] and args.steps > 1:
        raise CLIError(
            "the model reads other columns than it forecasts, so a forecast cannot be fed back "
            "in: only --steps 1 is possible"
        )
    model, _ = load_kept_model(args.checkpoint, stored)
    scaled = scale_and_window(read_table(args.csv, spec), data)
    table = scaled.table
    window = int(data["window"])
    if spec["features"] == spec["target"]:
        start = scaled.features.transform(table.features[-window:]).astype(np.float32)
        predicted = scaled.targets.inverse_transform(rollout(model, start, args.steps))
    else:
        # One step from the last window (the windows of scale_and_window stop one row short).
        last = scaled.features.transform(table.features[-window:]).astype(np.float32)
        predicted = predict(model, last[None], scaled)
    label, stamps = _future_index(table, args.steps)
    print(f"{label}," + ",".join(table.target_names))
    for stamp, row in zip(stamps, predicted, strict=True):
        print(f"{stamp}," + ",".join(f"{value:.6g}" for value in row))
    if args.plot:
        _plot(table, predicted, args.plot)
    return 0


def _future_index(table: SeriesTable, steps: int) -> tuple[str, list[str]]:
    """The time column continued (evenly spaced integers, e.g. years) or steps 1..N."""
    index = table.index
    if index is not None and index.dtype.kind == "i" and len(index) >= 2:
        gaps = np.diff(index)
        if np.all(gaps == gaps[0]) and gaps[0] > 0:
            following = index[-1] + gaps[0] * np.arange(1, steps + 1)
            return str(table.index_name), [str(v) for v in following]
    return "step", [str(step) for step in range(1, steps + 1)]


def _plot(table: SeriesTable, predicted: np.ndarray, path: str) -> None:
    try:
        from ..plot import plot_series

        shown = min(len(table), 10 * len(predicted) + 50)  # recent history, enough for context
        title = f"Forecast of {table.source}"
        saved = plot_series(table.targets[-shown:], predicted, path, prediction_start=shown,
                            title=title, labels=table.target_names)  # fmt: skip
    except ImportError:
        raise CLIError("--plot needs matplotlib (pip install matplotlib)") from None
    except OSError as error:
        raise CLIError(f"--plot: cannot write {path}: {error.strerror or error}") from None
    print(f"plot: {saved}", file=sys.stderr)
