"""CrossEntropyLoss: softmax + negative log-likelihood over class logits."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._validation import as_prediction
from .loss import Loss


class CrossEntropyLoss(Loss):
    """`CrossEntropyLoss()`: call `loss_fn(logits, target)`, target integer class indices.

    L = mean over positions of -log softmax(logits)[target].

    pred: logits (..., classes); target: integer class indices (...) -> float.
    """

    def forward(self, pred: Any, target: Any) -> float:
        logits = as_prediction(pred, "CrossEntropyLoss")
        if logits.ndim < 1 or logits.shape[-1] < 1:
            raise ValueError(
                f"CrossEntropyLoss: expected logits of shape (..., classes) with classes >= 1, "
                f"got {logits.shape}"
            )
        try:
            target = np.asarray(target)
        except ValueError as error:  # a ragged list
            raise TypeError(f"CrossEntropyLoss: target is not an array ({error})") from None
        if target.dtype.kind not in "iu":
            raise TypeError(
                f"CrossEntropyLoss: expected integer class indices as target, got dtype "
                f"{target.dtype}"
            )
        if target.shape != logits.shape[:-1]:
            raise ValueError(
                f"CrossEntropyLoss: expected target of shape {logits.shape[:-1]} for logits of "
                f"shape {logits.shape} (..., classes), got {target.shape}"
            )
        classes = logits.shape[-1]
        if target.size and (target.min() < 0 or target.max() >= classes):
            raise ValueError(
                f"CrossEntropyLoss: target indices must lie in [0, {classes}), got range "
                f"[{target.min()}, {target.max()}]"
            )
        self.save_for_backward((logits, target))
        return F.cross_entropy(logits, target)

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        logits, target = self.pop_saved()
        # dL/dlogits = (softmax(logits) - one_hot(target)) / N
        grad = F.grad_cross_entropy(logits, target)
        if grad_output != 1.0:
            grad *= grad_output
        return grad
