"""MSELoss: mean (or summed) squared error."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._layout import memory_order
from .._validation import as_float_array
from ..functional.losses import _reduction_count
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
        pred = self._as_pred(pred, "MSELoss")
        target = as_float_array(target, pred.dtype, "MSELoss", "target")
        if pred.shape != target.shape:
            raise ValueError(
                f"MSELoss: pred shape {pred.shape} and target shape {target.shape} differ"
            )
        # pred - target serves the loss and, cached, its gradient: computed once (a pass over
        # the predictions and an allocation fewer per step than F.mse_loss + F.grad_mse_loss).
        # It is computed in pred's memory order, so that the gradient reaches the layer before
        # in the order that layer works in (a Linear on a recurrent layer's time-major view)
        # and the sum of squares reads one contiguous array.
        order = memory_order(pred)
        diff_in_order = np.subtract(pred.transpose(order), target.transpose(order))
        self.save_for_backward(diff_in_order.transpose(order))  # (order is its own inverse)
        count = _reduction_count(diff_in_order.size, self.reduction)
        return float(np.vdot(diff_in_order, diff_in_order)) / count

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """dL/dpred = 2 (pred - target) / N, scaled by `grad_output`.  same shape as pred"""
        diff = self.pop_saved()
        # The cache is used once: scale it in place and hand it back.
        diff *= 2.0 / _reduction_count(diff.size, self.reduction)
        if grad_output != 1.0:
            diff *= grad_output
        return diff

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"
