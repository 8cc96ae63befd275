"""Loss: the base class of losses: `loss_fn(pred, target) -> float`, `backward() -> dpred`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..module import Module


class Loss(Module):
    """`Loss()`: base class of losses: `loss_fn(pred, target)` -> float, `backward()` -> dL/dpred.

    A Module whose forward returns a Python float and whose backward takes no gradient.
    """

    def forward(self, pred: Any, target: Any) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """dL/dpred, same shape as pred, scaled by `grad_output` (dLoss_total/dL, default 1)."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward()")
