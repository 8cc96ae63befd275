"""`tinyrnn evaluate`: a CSV model's one-step test error beside the naive baselines."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..data import mae, naive_forecast, rmse
from ..module import Module
from ..sampling import evaluating
from .files import CLIError
from .series import Scaled, read_table, scale_and_window
from .stored import load_kept_model, read_stored


def run_evaluate(args: argparse.Namespace) -> int:
    """Print the test RMSE and MAE of the model and of the baselines, one labelled line each."""
    stored = read_stored(args.checkpoint, "series", "evaluate")
    if args.period is not None and args.period < 1:
        raise CLIError(f"--period must be >= 1, got {args.period}")
    model, epoch = load_kept_model(args.checkpoint, stored)
    data = stored["data"]
    scaled = scale_and_window(read_table(args.csv, data["csv"]), data)
    period = args.period if args.period is not None else data.get("period")
    print(f"model: {args.checkpoint} (weights of epoch {epoch})")
    for line in test_report(model, scaled, data, period):
        print(line)
    return 0


def one_step(model: Module, scaled: Scaled, start: int) -> np.ndarray:
    """The model's forecasts of rows start.. (each from the `window` rows before), data units."""
    window = len(scaled.table) - len(scaled.x)
    return predict(model, scaled.x[start - window :], scaled)


def predict(model: Module, x: np.ndarray, scaled: Scaled) -> np.ndarray:
    """x: (n, window, features) standardised -> (n, targets) forecasts in the data's units."""
    with evaluating(model, stateful=False):
        predicted = np.asarray(model(x), dtype=np.float64)
    return scaled.targets.inverse_transform(predicted)


def test_report(model: Module, scaled: Scaled, data: dict[str, Any], period: Any) -> list[str]:
    """Lines: which rows are tested, then `<forecaster> RMSE: v` and `<forecaster> MAE: v`."""
    table = scaled.table
    start = int(data["rows"]["train"]) + int(data["rows"]["validation"])
    if len(table) <= start:
        raise CLIError(
            f"{table.source}: no test rows: it has {len(table)} rows and the model was trained "
            f"and validated on the first {start} (train with --test-fraction > 0, or give a "
            "file with newer rows)"
        )
    truth = table.targets[start:]
    forecasters = {"model": one_step(model, scaled, start), "persistence": naive_forecast(
        table.targets, start)}  # fmt: skip
    if period:
        if start < period:
            raise CLIError(f"--period {period} is longer than the {start} rows before the test")
        forecasters[f"seasonal naive (period {period})"] = naive_forecast(
            table.targets, start, period
        )
    names = table.target_names
    span = f"{table.where[start]} to {table.where[-1]}"
    if table.index is not None:
        span = f"{table.index_name} {table.index[start]} to {table.index[-1]}"
    lines = [f"test: {len(truth)} one-step forecasts of {', '.join(names)} ({span}), in the "
             "data's units"]  # fmt: skip
    for label, predicted in forecasters.items():
        for metric in (rmse, mae):
            values = [metric(predicted[:, k], truth[:, k]) for k in range(len(names))]
            shown = ", ".join(f"{n} {v:.6g}" for n, v in zip(names, values, strict=True))
            if len(names) == 1:
                shown = f"{values[0]:.6g}"
            lines.append(f"{label} {metric.__name__.upper()}: {shown}")
    return lines
