"""Training figures in the data's units: fit reports the standardised MSE it minimises; for one
target, RMSE in the target's units is that MSE's square root times the target's scale."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# "loss 0.123" and "val_loss 0.456" in fit's epoch lines (and in any progress line).
_FIGURE = re.compile(r"\b(val_loss|loss) ([-+0-9.eE]+|nan|inf)")


def data_units_log(target: str, scale: float) -> Callable[[str], None]:
    """A `log` for fit that prints its lines with each loss as an RMSE in `target`'s units."""

    def convert(match: re.Match[str]) -> str:
        name = "val RMSE" if match.group(1) == "val_loss" else "RMSE"
        value = float(match.group(2))
        shown = math.sqrt(value) * scale if value >= 0 else math.nan
        return f"{name} {shown:.6g}"

    try:  # through tqdm when it is there, so that a progress bar is not garbled
        from tqdm import tqdm

        write: Callable[[str], None] = tqdm.write
    except ImportError:
        write = print

    def log(line: str) -> None:
        converted = _FIGURE.sub(convert, line)
        write(converted + (f"  ({target})" if converted != line else ""))

    return log
