"""Reading the command line's inputs: text files and numeric CSV files, with clear errors."""

from __future__ import annotations

import csv
import io
import os

import numpy as np


class CLIError(Exception):
    """A problem with the user's input: printed as `tinyrnn <command>: error: ...`, exit 2."""


def read_text(path: str) -> str:
    """The whole UTF-8 file (with a clear error for a missing, binary or empty file)."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise CLIError(f"no such file: {path}") from None
    except UnicodeDecodeError as error:
        raise CLIError(f"{path} is not UTF-8 text: {error}") from None
    except OSError as error:
        raise CLIError(f"cannot read {path}: {error.strerror or error}") from None
    if not text:
        raise CLIError(f"{path} is empty")
    return text


def read_csv(path: str) -> tuple[list[str], np.ndarray]:
    """A numeric CSV -> (column names, (rows, columns) float64). A first row that is not all
    numbers is the header; without one, columns are named by their 0-based index."""
    text = read_text(path)
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    header = [cell.strip() for cell in rows[0]] if rows else []
    has_header = not all(_is_number(cell) for cell in header)
    names = header if has_header else [str(i) for i in range(len(header))]
    data_rows = rows[int(has_header) :]
    if not data_rows:
        raise CLIError(f"{path}: no numeric data rows (not a numeric CSV)")
    parsed = []
    for number, row in enumerate(data_rows, start=1 + int(has_header)):
        if len(row) != len(names):
            raise CLIError(f"{path}: row {number} has {len(row)} fields, expected {len(names)}")
        try:
            parsed.append([float(cell) for cell in row])
        except ValueError as error:
            raise CLIError(f"{path}: row {number}: not a numeric CSV ({error})") from None
    values = np.array(parsed, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise CLIError(f"{path}: contains NaN or infinite values")
    return names, values


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def select_columns(spec: str | None, names: list[str], option: str) -> list[int]:
    """'a,b' or '0,2' (names or 0-based indices) -> column indices; None -> every column."""
    if spec is None:
        return list(range(len(names)))
    chosen = []
    for item in (part.strip() for part in spec.split(",")):
        if item in names:
            chosen.append(names.index(item))
        elif item.isdigit() and int(item) < len(names):
            chosen.append(int(item))
        else:
            raise CLIError(f"{option}: no column {item!r}; the columns are {', '.join(names)}")
    if len(set(chosen)) != len(chosen):
        raise CLIError(f"{option}: a column is listed twice")
    return chosen


def check_checkpoint_path(path: str) -> None:
    """The folder a checkpoint will be written to must exist (fail before training, not after)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"--checkpoint: the folder {folder} does not exist")
