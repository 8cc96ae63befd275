"""one_hot: integer class indices to indicator vectors."""

from __future__ import annotations

from typing import Any

import numpy as np


def one_hot(indices: Any, num_classes: int, dtype: Any = np.float32) -> np.ndarray:
    """indices: (...) integers in [0, num_classes) -> (..., num_classes) of 0s and 1s."""
    index_array = np.asarray(indices)
    if index_array.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer indices, got dtype {index_array.dtype}")
    if index_array.size and (index_array.min() < 0 or index_array.max() >= num_classes):
        raise ValueError(
            f"one_hot: indices must lie in [0, {num_classes}), got range "
            f"[{index_array.min()}, {index_array.max()}]"
        )
    # Each index compared with every class: True exactly at the index's own class.
    return (index_array[..., None] == np.arange(num_classes)).astype(dtype)
