"""MSELoss: mean (or summed) squared error."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._validation import as_float_array
from .loss import Loss


class MSELoss(Loss):
    """L = sum((pred - target)^2) / N (or / 1 for "sum").  pred, target: same shape -> float"""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum"):
            raise ValueError(f"MSELoss: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction

    def forward(self, pred: Any, target: Any) -> float:
        pred = self._as_pred(pred, "MSELoss")
        target = as_float_array(target, pred.dtype, "MSELoss", "target")
        if pred.shape != target.shape:
            raise ValueError(
                f"MSELoss: pred shape {pred.shape} and target shape {target.shape} differ"
            )
        self._save((pred, target))
        return F.mse_loss(pred, target, self.reduction)

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        pred, target = self._pop()
        # dL/dpred = 2 (pred - target) / N
        grad = F.grad_mse_loss(pred, target, self.reduction)
        if grad_output != 1.0:
            grad *= grad_output
        return grad

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"
