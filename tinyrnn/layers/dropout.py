"""Dropout: in training, zero each entry with probability p and scale the rest by 1/(1-p)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import get_default_dtype, resolve_rng
from .._validation import as_float_array, check_grad
from ..module import Module


def dropout_mask(
    shape: tuple[int, ...], p: float, rng: np.random.Generator, like: np.ndarray
) -> np.ndarray:
    """Inverted-dropout mask (shape) in like's dtype: 0 with probability p, else 1/(1-p)."""
    # Scaling the kept units at training time keeps E[output] = input, so evaluation needs no
    # rescaling ("inverted" dropout, as in PyTorch). p = 1 drops everything (no division by 0).
    keep = rng.random(shape) >= p
    scale = 0.0 if p >= 1.0 else 1.0 / (1.0 - p)
    mask = np.zeros_like(like, shape=shape)
    mask[keep] = scale
    return mask


class Dropout(Module):
    """`Dropout(p=0.5, *, rng=None)`: zeroes each entry with probability `p` while training
    (the rest scaled by 1 / (1 - p)); the identity in eval mode.

    x: any shape -> same shape. Training: x * mask (see `dropout_mask`); eval: identity.

    `rng`: the np.random.Generator the masks are drawn from; None means the library's default
    generator at call time (so `tinyrnn.seed(n)` after construction still makes runs repeatable).
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)):
            raise TypeError(f"Dropout: p must be a number in [0, 1], got {type(p).__name__}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.rng = None if rng is None else resolve_rng(rng, "Dropout")

    def forward(self, x: Any) -> np.ndarray:
        """x: any shape -> same shape; in training mode caches the mask for backward."""
        if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
            x = as_float_array(x, get_default_dtype(), "Dropout")
        if not self.training or self.p == 0.0:
            # Identity: only the shape is cached, so that forward and backward still pair up LIFO.
            self.save_for_backward((x.shape, x.dtype, None))
            return x.copy()  # a fresh, writable array whatever x is (a view, read-only)
        mask = dropout_mask(x.shape, self.p, resolve_rng(self.rng), x)
        self.save_for_backward((x.shape, x.dtype, mask))
        return x * mask

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        """dL/dy -> dL/dx: the same mask (identity in eval mode); None if not needs_input_grad."""
        shape, dtype, mask = self.pop_saved()
        # dx in the input's dtype (a float64 gradient does not upcast a float32 network)
        grad_output = check_grad(grad_output, shape, "Dropout").astype(dtype, copy=False)
        if not self.needs_input_grad:
            return None
        # y = x * mask  =>  dx = dy * mask  (identity: dx = dy)
        return grad_output.copy() if mask is None else grad_output * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"
