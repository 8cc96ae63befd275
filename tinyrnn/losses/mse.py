"""MSELoss: mean (or summed) squared error."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_float_array, as_prediction
from .loss import Loss


class MSELoss(Loss):
    """`MSELoss(reduction="mean")`: mean squared error; call `loss_fn(pred, target)` (same shapes).

    L = sum((pred - target)^2) / N (or / 1 for "sum").  pred, target: same shape -> float
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum"):
            raise ValueError(f"MSELoss: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction

    def forward(self, pred: Any, target: Any) -> float:
        pred = as_prediction(pred, "MSELoss")
        target = as_float_array(target, pred.dtype, "MSELoss", "target")
        if pred.shape != target.shape:
            raise ValueError(
                f"MSELoss: pred shape {pred.shape} and target shape {target.shape} differ"
            )
        # pred - target serves the loss and, cached, its gradient: computed once.
        diff = np.subtract(pred, target)
        self.save_for_backward(diff)
        return float(np.vdot(diff, diff)) / self._count(diff)

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """dL/dpred = 2 (pred - target) / N, scaled by `grad_output`.  same shape as pred"""
        diff = self.pop_saved()
        # The cache is used once: scale it in place and hand it back.
        diff *= 2.0 / self._count(diff)
        if grad_output != 1.0:
            diff *= grad_output
        return diff

    def _count(self, diff: np.ndarray) -> int:
        """N in the formulas: the number of entries for "mean", 1 for "sum"."""
        return max(diff.size, 1) if self.reduction == "mean" else 1

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"
