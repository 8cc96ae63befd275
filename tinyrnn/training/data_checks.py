"""Data checks for `fit`: NaN or infinite inputs or targets are the data's fault, said so early.

Arrays held in memory (one `(x, y)` pair, a `DataLoader` over an `ArrayDataset`) are checked
once before the first step. Anything else (a generator function's batches, a `TextDataset`, a
list of batches) is checked batch by batch as it is drawn, before the step that uses it, so a
lazy loader is never read twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..data.dataset import ArrayDataset
from ..data.loader import DataLoader


def first_nonfinite(array: Any) -> tuple[int, ...] | None:
    """The index of the first NaN or infinite entry (C order) of a float array, else None."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc":
        return None  # integers and booleans cannot be NaN; non-arrays are the layers' business
    # Fast path: one float64 sum is finite iff every entry is, unless finite float64 values
    # overflow it; only then (or when something is NaN/inf) is the exact scan needed.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(array.sum(dtype=np.complex128 if array.dtype.kind == "c" else np.float64)):
            return None
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), array.shape))


def _describe(value: float | complex) -> str:
    return "NaN" if np.isnan(value) else f"an infinite value ({value})"


def check_finite(array: Any, name: str, where: str = "") -> None:
    """ValueError naming `name` and the first offending index if `array` has NaN or inf.

    `where` locates a batch (" of batch 3 of epoch 1"); empty for a whole array.
    """
    index = first_nonfinite(array)
    if index is not None:
        then = "the parameters were not updated by it" if where else "nothing was trained"
        raise ValueError(
            f"fit: the {name} contain {_describe(array[index])} at index {index}{where}; "
            f"fix or drop those values before training ({then})"
        )


def in_memory_arrays(data: Any) -> tuple[np.ndarray, ...] | None:
    """The arrays behind `data` when they are all in memory (a pair, an ArrayDataset's loader)."""
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray):
        return tuple(np.asarray(item) for item in data)
    if isinstance(data, DataLoader) and isinstance(data.dataset, ArrayDataset):
        return data.dataset.arrays
    if isinstance(data, ArrayDataset):
        return data.arrays
    return None


def _names(role: str, count: int) -> list[str]:
    names = [f"{role} inputs", f"{role} targets"]
    return names + [f"{role} array {position}" for position in range(2, count)]


def check_data(data: Any, role: str) -> Any:
    """Check in-memory data now and return it; wrap anything else to check each batch.

    `role` is "training" or "validation" (it names the data in the error).
    """
    arrays = in_memory_arrays(data)
    if arrays is None:
        return CheckedBatches(data, role)
    for array, name in zip(arrays, _names(role, len(arrays)), strict=False):
        check_finite(array, name)
    return data


class CheckedBatches:
    """Iterates `data`'s (x, y, ...) batches, checking each one as it is drawn."""

    def __init__(self, data: Iterable[Any], role: str) -> None:
        self.data, self.role = data, role
        self.epoch: int | None = None  # set by fit, for the error message

    def __len__(self) -> int:
        return len(self.data)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        for step, batch in enumerate(self.data, start=1):
            if isinstance(batch, (tuple, list)):
                epoch = "" if self.epoch is None else f" of epoch {self.epoch}"
                for array, name in zip(batch, _names(self.role, len(batch)), strict=False):
                    check_finite(array, name, f" of batch {step}{epoch}")
            yield batch
