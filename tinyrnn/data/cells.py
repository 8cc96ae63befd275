"""The cells of a table as strings, column by column: read_csv parses only those it selects."""

from __future__ import annotations

import csv
import os
from typing import Any


def read_cells(source: Any, delimiter: str) -> tuple[str, list[str], list[list[str]], list[str]]:
    """A CSV path or DataFrame -> (source name, header, cells column by column (stripped
    strings, not parsed), each row's origin: "line 7" of the file or "row 5" of the frame)."""
    if hasattr(source, "columns") and hasattr(source, "to_numpy"):  # a pandas DataFrame
        header = [str(c) for c in source.columns]
        cells = [["" if v is None else str(v) for v in source[c].tolist()] for c in source.columns]
        return "DataFrame", header, cells, [f"row {i}" for i in range(len(source))]
    name = os.fspath(source)
    if len(delimiter) != 1:
        raise ValueError(f"read_csv: delimiter must be one character, got {delimiter!r}")
    rows, where = [], []
    with open(name, encoding="utf-8", newline="") as file:
        reader = csv.reader(file, delimiter=delimiter)
        for row in reader:
            if row:  # an empty line is no row (a line of blanks is a row of missing values)
                rows.append([cell.strip() for cell in row])
                where.append(f"line {reader.line_num}")
    if not rows:
        raise ValueError(f"read_csv: {name} is empty")
    has_header = not all(_is_number(cell) for cell in rows[0])
    header = rows[0] if has_header else [str(i) for i in range(len(rows[0]))]
    body, where = rows[int(has_header) :], where[int(has_header) :]
    if not body:
        raise ValueError(f"read_csv: {name} has a header but no data rows")
    for row, origin in zip(body, where, strict=True):
        if len(row) != len(header):
            raise ValueError(
                f"read_csv: {name}, {origin}: {len(row)} fields, the header has {len(header)} "
                f"(is the delimiter {delimiter!r} right?)"
            )
    return name, header, [list(column) for column in zip(*body, strict=True)], where


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
