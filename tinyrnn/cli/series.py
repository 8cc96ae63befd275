"""CSV series for the command line: reading the table, scaling, time-ordered windows."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import (
    ArrayDataset,
    DataLoader,
    SeriesTable,
    StandardScaler,
    chronological_split,
    read_csv,
    sliding_windows,
)
from ..data.table import csv_header
from ..losses import MSELoss
from .files import CLIError, reading
from .models import model_config
from .tasks import Task


def read_table(path: str, spec: dict[str, Any]) -> SeriesTable:
    """The CSV's columns as `spec` (the stored "csv" entry) selects them; errors are CLIErrors."""
    try:
        with reading(path):
            return read_csv(
                path,
                spec["target"],
                spec["features"],
                time_column=spec["time_column"],
                delimiter=spec["delimiter"],
                missing=spec["missing"],
            )
    except ValueError as error:
        raise CLIError(str(error).removeprefix("read_csv: ")) from None


@dataclass
class Scaled:
    """A table standardised with the stored scalers, cut into windows: window i reads rows
    i .. i + window - 1 (x[i], float32) and predicts row i + window (y[i])."""

    table: SeriesTable
    features: StandardScaler
    targets: StandardScaler
    x: np.ndarray
    y: np.ndarray


def scale_and_window(table: SeriesTable, data: dict[str, Any]) -> Scaled:
    window = int(data["window"])
    features = StandardScaler.from_dict(data["feature_scaler"])
    targets = StandardScaler.from_dict(data["target_scaler"])
    if len(table) <= window:
        raise CLIError(f"{table.source}: {len(table)} rows, the model reads {window} per forecast")
    x, _ = sliding_windows(features.transform(table.features).astype(np.float32), window)
    y = targets.transform(table.targets).astype(np.float32)[window:]
    return Scaled(table, features, targets, x, y)


def csv_spec(args: argparse.Namespace, path: str) -> dict[str, Any]:
    """The column selection of `tinyrnn train`'s options (stored, so evaluate/forecast repeat
    it); --target may be omitted when the file has a single column besides a time column."""
    target = args.target.split(",") if args.target else None
    time_column = "auto" if args.time_column is None else args.time_column
    spec = {
        "target": target,
        "features": args.features.split(",") if args.features else target,
        "time_column": None if time_column.lower() == "none" else time_column,
        "delimiter": args.delimiter,
        "missing": args.missing,
    }
    if target is None:
        try:
            header, time_name = csv_header(path, args.delimiter or ",")
        except (OSError, ValueError):
            header, time_name = [], None  # read_table will say what is wrong with the file
        values = [c for c in header if c not in (time_name, spec["time_column"])]
        if header and len(values) != 1:
            raise CLIError(f"--target: which column? {path} has {', '.join(header)}")
        spec["target"] = values[:1] or header[:1] or ["0"]
        spec["features"] = spec["features"] or spec["target"]
    return spec


def series_task(args: argparse.Namespace, rng: np.random.Generator) -> Task:
    """Time-ordered windows of standardised columns -> the next row's targets (MSE)."""
    spec = csv_spec(args, args.csv)
    table = read_table(args.csv, spec)
    spec["time_column"] = table.index_name  # what "auto" found, so later reads agree
    rows, window = len(table), args.window
    try:
        train_rows, val_rows, test_rows = chronological_split(
            rows, args.val_fraction, args.test_fraction
        )
    except ValueError as error:
        raise CLIError(str(error).removeprefix("chronological_split: ")) from None
    n_train = train_rows.stop
    if n_train <= window:
        raise CLIError(
            f"{args.csv} has {rows} rows ({n_train} for training): too few for --window "
            f"{window}; a window needs at least one following row"
        )
    data = {
        "csv": spec,
        "window": window,
        # Statistics of the training rows only: validation and test rows stay unseen.
        "feature_scaler": StandardScaler().fit(table.features[:n_train]).to_dict(),
        "target_scaler": StandardScaler().fit(table.targets[:n_train]).to_dict(),
        "rows": {
            "train": n_train,
            "validation": val_rows.stop - n_train,
            "test": test_rows.stop - test_rows.start,
        },  # fmt: skip
        "period": args.period,
    }
    scaled = scale_and_window(table, data)
    x, y = scaled.x, scaled.y
    train_end, val_end = n_train - window, val_rows.stop - window  # window index = target row - w
    train = DataLoader(ArrayDataset(x[:train_end], y[:train_end]), args.batch_size, shuffle=True,
                       rng=rng)  # fmt: skip
    val = (x[train_end:val_end], y[train_end:val_end]) if val_end > train_end else None
    config = model_config(
        "series",
        args.cell,
        len(spec["features"]),
        args.hidden_size,
        args.layers,
        len(spec["target"]),
    )
    return Task(config, data, train, val, MSELoss(), scaled)
