"""ArrayDataset: several arrays aligned on their first axis (inputs, targets, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np


class ArrayDataset:
    """`ArrayDataset(inputs, targets, ...)`: sample i is `(inputs[i], targets[i], ...)`.

    Every array must have the same length along its first axis (the sample axis). Indexing
    with an int gives one sample; with a slice or an integer index array it gives a batch
    `(inputs[index], targets[index], ...)`, which is how `DataLoader` gathers a batch in one
    fancy-indexing operation per array. The arrays are kept as given (not copied).
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("ArrayDataset: give at least one array")
        converted = []
        for position, array in enumerate(arrays):
            array = np.asarray(array)
            if array.ndim == 0:
                raise ValueError(
                    f"ArrayDataset: array {position} is a scalar; every array needs a first "
                    "(sample) axis"
                )
            converted.append(array)
        lengths = [len(array) for array in converted]
        if len(set(lengths)) > 1:
            raise ValueError(
                f"ArrayDataset: all arrays must have the same length along the first axis, "
                f"got lengths {lengths}"
            )
        if lengths[0] == 0:
            raise ValueError("ArrayDataset: the arrays are empty (0 samples)")
        self.arrays: tuple[np.ndarray, ...] = tuple(converted)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        """int -> one sample's rows; slice or index array -> stacked rows of every array."""
        return tuple(array[index] for array in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(array.shape) for array in self.arrays)
        return f"ArrayDataset({len(self)} samples; shapes {shapes})"
