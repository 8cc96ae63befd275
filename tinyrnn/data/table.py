"""read_csv: a table (CSV file or pandas DataFrame) -> the chosen target and feature columns.

Only the selected columns are parsed, so a text column elsewhere in the file is harmless. A
time column ("year", "date", ...) is recognised by its name and kept as the index, never used
as a feature unless named as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cells import read_cells
from .missing import MISSING_POLICIES, fill, first_missing_error, parse_column

TIME_NAMES = ("time", "date", "datetime", "timestamp", "year", "month", "week", "day", "period")


@dataclass
class SeriesTable:
    """The columns `read_csv` selected: targets `(rows, n_targets)`, features
    `(rows, n_features)` (float64), the time index `(rows,)` (int64 when every value is an
    integer, else str; None without a time column) and `where`, each row's origin ("line 12")."""

    targets: np.ndarray
    features: np.ndarray
    target_names: list[str]
    feature_names: list[str]
    index: np.ndarray | None
    index_name: str | None
    source: str
    where: list[str]

    def __len__(self) -> int:
        return len(self.targets)


def read_csv(
    source: Any,
    target: str | Sequence[str],
    features: str | Sequence[str] | None = None,
    *,
    time_column: str | None = "auto",
    delimiter: str = ",",
    missing: str | None = None,
) -> SeriesTable:
    """A CSV path (or pandas DataFrame) -> SeriesTable of the `target` and `features` columns.

    `features` defaults to the targets (a univariate forecaster reads its own past). The first
    row is the header unless every cell of it is a number (then columns are named "0", "1",
    ...). `time_column="auto"` keeps the first unselected column named like a time (year,
    date, ...) as the index; a name picks it, None keeps no index. A blank, "NA" or "nan" cell
    of a selected column raises `ValueError` naming the source, column and line, unless
    `missing` is "drop" (the row), "ffill" (the last value before) or "interpolate" (linear in
    the row position; after the last value, that value). Other text is always an error.
    """
    who = "read_csv"
    if missing not in MISSING_POLICIES:
        raise ValueError(f"{who}: missing must be one of {MISSING_POLICIES}, got {missing!r}")
    targets = _names(target, "target")
    feature_list = targets if features is None else _names(features, "features")
    name, header, columns, where = read_cells(source, delimiter)
    wanted = list(dict.fromkeys(feature_list + targets))
    for column in wanted:
        if column not in header:
            raise ValueError(f"{who}: {name} has no column {column!r}; it has {', '.join(header)}")
    index_name = _time_column(time_column, header, wanted, name)
    cells = {column: columns[header.index(column)] for column in wanted}
    parsed, masks = {}, {}
    for column in wanted:
        parsed[column], masks[column] = parse_column(cells[column], column, name, where)
    keep = ~np.logical_or.reduce(list(masks.values()))
    if missing is None and not keep.all():
        raise first_missing_error(masks, cells, name, where)
    if missing == "drop":
        parsed = {column: values[keep] for column, values in parsed.items()}
        where = [w for w, kept in zip(where, keep, strict=True) if kept]
        if not where:
            raise ValueError(f"{who}: {name}: no row is left after dropping missing values")
    elif missing is not None:
        parsed = {c: fill(parsed[c], masks[c], missing, c, name, where) for c in wanted}
    index = None
    if index_name is not None:
        stamps = columns[header.index(index_name)]
        index = _index_values([s for s, kept in zip(stamps, keep, strict=True)
                               if kept or missing != "drop"])  # fmt: skip
    return SeriesTable(
        targets=np.stack([parsed[c] for c in targets], axis=1),
        features=np.stack([parsed[c] for c in feature_list], axis=1),
        target_names=targets,
        feature_names=feature_list,
        index=index,
        index_name=index_name,
        source=name,
        where=where,
    )


def csv_header(source: Any, delimiter: str = ",") -> tuple[list[str], str | None]:
    """(the column names, the time column "auto" would pick) of a CSV path or DataFrame."""
    name, header, _, _ = read_cells(source, delimiter)
    return header, _time_column("auto", header, [], name)


def _names(value: Any, what: str) -> list[str]:
    names = [value] if isinstance(value, str) else [str(v) for v in value]
    if not names or any(not n for n in names):
        raise ValueError(f"read_csv: {what} must name at least one column, got {value!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"read_csv: {what} lists a column twice: {names}")
    return names


def _time_column(choice: str | None, header: list[str], wanted: list[str], name: str) -> str | None:
    if choice is None:
        return None
    if choice != "auto":
        if choice not in header:
            raise ValueError(f"read_csv: {name} has no time column {choice!r}")
        return choice
    for column in header:
        lowered = column.lower()
        looks_like_time = lowered in TIME_NAMES or lowered.endswith(("_date", "_time", "_year"))
        if looks_like_time and column not in wanted:
            return column
    return None


def _index_values(cells: list[str]) -> np.ndarray:
    try:
        return np.array([int(cell) for cell in cells], dtype=np.int64)
    except ValueError:
        return np.array(cells, dtype=str)
