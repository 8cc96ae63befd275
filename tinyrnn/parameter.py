"""Parameter: a trainable array together with the gradient that backward accumulates into it."""

from __future__ import annotations

from typing import Any

import numpy as np


class Parameter:
    """`Parameter(data, dtype=None)`: a trainable copy of `data` (floating point; `dtype` casts it,
    e.g. `tinyrnn.get_default_dtype()`).

    A trainable array. `data`: the values; `grad`: same shape and dtype, summed by backward.
    """

    __slots__ = ("data", "grad")

    def __init__(self, data: Any, dtype: Any = None) -> None:
        array = np.array(data, dtype=dtype, copy=True)
        if array.dtype.kind != "f":
            raise TypeError(f"Parameter: expected floating-point data, got dtype {array.dtype}")
        self.data: np.ndarray = array
        self.grad: np.ndarray = np.zeros_like(array)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of `data` (and of `grad`)."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of `data` (and of `grad`)."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """The number of elements of `data`."""
        return self.data.size

    def zero_grad(self) -> None:
        """Reset the accumulated gradient to zero, in place."""
        self.grad.fill(0)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"
