"""Bidirectional's merge modes (Keras' `merge_mode`): the merged output and its gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def check_merge_mode(mode: Any, forward_size: int, backward_size: int) -> None:
    """ValueError unless `mode` is a merge mode the two hidden sizes allow."""
    if not any(mode is known or mode == known for known in MERGE_MODES):
        raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}, got {mode!r}")
    if mode in ("sum", "mul", "ave") and forward_size != backward_size:
        raise ValueError(
            f"Bidirectional: merge_mode={mode!r} needs equal hidden sizes, got "
            f"{forward_size} (forward) and {backward_size} (backward)"
        )


def merge(mode: str | None, a: np.ndarray, b: np.ndarray) -> Any:
    """The two directions' outputs (..., H) merged: [a, b], a + b, a * b, (a + b) / 2, (a, b)."""
    if mode == "concat":
        return np.concatenate([a, b], axis=-1)
    if mode == "sum":
        return a + b
    if mode == "mul":
        return a * b
    if mode == "ave":
        return (a + b) / 2
    return a, b


def merge_backward(
    mode: str | None, grad: Any, split: int, operands: tuple[np.ndarray, np.ndarray] | None
) -> tuple[Any, Any]:
    """dL/d(merged) -> (dL/da, dL/db). `split`: a's features; `operands`: (a, b), for "mul"."""
    if mode == "concat":
        return grad[..., :split], grad[..., split:]
    if mode == "sum":
        return grad, grad
    if mode == "mul" and operands is not None:  # d(a b) = b da + a db
        return grad * operands[1], grad * operands[0]
    if mode == "ave":
        return grad / 2, grad / 2
    return grad[0], grad[1]
