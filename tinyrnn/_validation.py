"""Input checks shared by every layer: clear errors that name the layer and both shapes."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._config import get_default_dtype

# A shape spec: each entry an int (that exact size) or a label (any size); a leading
# Ellipsis allows any number of extra leading axes, as in "(..., in_features)".
ShapeSpec = tuple[Any, ...]


def format_spec(spec: ShapeSpec) -> str:
    """("batch", 3) -> "(batch, 3)"; (..., 4) -> "(..., 4)"."""
    parts = ["..." if entry is Ellipsis else str(entry) for entry in spec]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def as_float_array(x: Any, dtype: np.dtype[Any], who: str, what: str = "input") -> np.ndarray:
    """Convert a float or integer array-like to `dtype`; anything else is a TypeError."""
    if isinstance(x, np.ndarray):
        array = x
    else:
        try:
            array = np.asarray(x)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{who}: {what} is not a numeric array ({error})") from None
    if array.dtype.kind not in "fiu":
        raise TypeError(
            f"{who}: expected a float or integer {what}, got dtype {array.dtype} "
            f"({type(x).__name__})"
        )
    if array.dtype != dtype:
        array = array.astype(dtype)
    return array


def as_prediction(pred: Any, who: str) -> np.ndarray:
    """A loss's `pred`: float arrays keep their dtype; anything else becomes the default dtype."""
    if isinstance(pred, np.ndarray) and pred.dtype.kind == "f":
        return pred
    return as_float_array(pred, get_default_dtype(), who, "pred")


def check_shape(
    array: np.ndarray, spec: ShapeSpec, who: str, what: str = "input", unbatched: bool = False
) -> None:
    """Raise ValueError unless `array.shape` matches `spec` (see ShapeSpec); `unbatched`: the
    message also names the shape without the batch axis, which the caller accepts too."""
    shape = array.shape
    if shape == spec:  # every size given and matching: the common case, no loop needed
        return
    if spec and spec[0] is Ellipsis:
        fixed = spec[1:]
        ok = len(shape) >= len(fixed) and all(
            not isinstance(want, int) or got == want
            for want, got in zip(fixed, shape[len(shape) - len(fixed) :], strict=True)
        )
    else:
        ok = len(shape) == len(spec) and all(
            not isinstance(want, int) or got == want for want, got in zip(spec, shape, strict=True)
        )
    if not ok:
        expected = format_spec(spec)
        if unbatched:
            expected += f" or, unbatched, {format_spec(spec[1:])}"
        raise ValueError(f"{who}: expected {what} of shape {expected}, got {tuple(shape)}")


def checked_input(
    x: Any,
    dtype: np.dtype[Any],
    spec: ShapeSpec,
    who: str,
    what: str = "input",
    unbatched: bool = False,
) -> np.ndarray:
    """`as_float_array` then `check_shape`: the one call a layer's forward makes per input."""
    array = as_float_array(x, dtype, who, what)
    check_shape(array, spec, who, what, unbatched)
    return array


def check_not_empty(x: np.ndarray, who: str) -> None:
    """Refuse an empty batch and, for a sequence (batch, time, features), zero time steps.

    Recurrent layers and cells call it: an empty result there would hide a slicing mistake, and
    past this point their kernels would fail with a bare NumPy reshape error.
    """
    if x.shape[0] == 0:
        raise ValueError(f"{who}: the input has an empty batch (shape {x.shape})")
    if x.ndim == 3 and x.shape[1] == 0:
        raise ValueError(f"{who}: the input has no time steps (shape {x.shape})")


def check_grad(
    grad: Any,
    shape: tuple[int, ...],
    who: str,
    what: str = "grad_output",
    like: str = "the forward output",
) -> np.ndarray:
    """A backward's incoming gradient must have the shape of what it is the gradient of."""
    if not isinstance(grad, np.ndarray):
        grad = as_float_array(grad, np.dtype(np.float64), who, what)
    if grad.shape != shape:
        raise ValueError(
            f"{who}.backward: expected {what} of shape {tuple(shape)} ({like}), got {grad.shape}"
        )
    return grad
