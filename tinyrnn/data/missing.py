"""Parsing one selected CSV column, and filling its missing values (drop / ffill / interpolate)."""

from __future__ import annotations

import math

import numpy as np

MISSING_POLICIES = (None, "drop", "ffill", "interpolate")
# Cells that mean "no value" (compared in lower case): what spreadsheets and pandas write.
MISSING_CELLS = frozenset({"", "na", "n/a", "<na>", "nan", "null", "none", "?", "-"})


def parse_column(
    cells: list[str], column: str, source: str, where: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """cells -> (values (rows,) float64 with NaN where missing, missing mask (rows,) bool).

    Text that is neither a number nor a missing marker, and infinite values, raise ValueError
    naming the source, column and row."""
    values = np.empty(len(cells), dtype=np.float64)
    for row, cell in enumerate(cells):
        if cell.strip().lower() in MISSING_CELLS:
            values[row] = np.nan
            continue
        try:
            value = float(cell)
        except ValueError:
            raise ValueError(
                f"read_csv: {source}, column {column!r}, {where[row]}: {cell!r} is not a number"
            ) from None
        if math.isinf(value):
            raise ValueError(
                f"read_csv: {source}, column {column!r}, {where[row]}: infinite value {cell!r}"
            )
        values[row] = value
    return values, np.isnan(values)


def first_missing_error(
    masks: dict[str, np.ndarray], cells: dict[str, list[str]], source: str, where: list[str]
) -> ValueError:
    """The error for the earliest missing value of any column (row first, then column order)."""
    row, column = min((int(np.argmax(mask)), name) for name, mask in masks.items() if mask.any())
    count = sum(int(mask.sum()) for mask in masks.values())
    shown = repr(cells[column][row]) if cells[column][row] else "blank"
    return ValueError(
        f"read_csv: {source}, column {column!r}, {where[row]}: missing value ({shown}; "
        f"{count} in the selected columns); choose missing='drop', 'ffill' or 'interpolate'"
    )


def fill(values: np.ndarray, mask: np.ndarray, policy: str, column: str, source: str,
         where: list[str]) -> np.ndarray:  # fmt: skip
    """Fill the missing entries of one column: "ffill" repeats the last value before,
    "interpolate" draws a straight line between the values around (in row position) and holds
    the last value after the end. A column that starts with missing values cannot be filled."""
    if not mask.any():
        return values
    if mask[0]:
        raise ValueError(
            f"read_csv: {source}, column {column!r}: missing value at {where[0]}, the first "
            f"row: nothing before it to {policy} from; use missing='drop'"
        )
    if mask.all():
        raise ValueError(f"read_csv: {source}, column {column!r} has no values")
    positions = np.arange(len(values))
    known = ~mask
    if policy == "ffill":
        # Index of the last known row at or before each row, carried forward by a running max.
        last_known = np.maximum.accumulate(np.where(known, positions, 0))
        return values[last_known]
    # np.interp holds the end values beyond the last known row (and there is none before).
    return np.interp(positions, positions[known], values[known])
