"""Loss functions and their gradients with respect to the prediction."""

from __future__ import annotations

import numpy as np

from .activations import log_softmax, softmax


def _reduction_count(size: int, reduction: str) -> int:
    if reduction == "mean":
        return max(size, 1)
    if reduction == "sum":
        return 1
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def mse_loss(pred: np.ndarray, target: np.ndarray, reduction: str = "mean") -> float:
    """L = sum((pred - target)^2) / (N if mean else 1).  pred, target: same shape -> float"""
    diff = pred - target
    return float(np.vdot(diff, diff)) / _reduction_count(diff.size, reduction)


def grad_mse_loss(pred: np.ndarray, target: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """dL/dpred = 2 (pred - target) / (N if mean else 1).  same shape as pred"""
    diff = pred - target
    diff *= 2.0 / _reduction_count(diff.size, reduction)
    return diff


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    """Mean of -log softmax(logits)[target].  logits: (..., classes), target: (...) -> float"""
    log_probs = log_softmax(logits, axis=-1)
    picked = np.take_along_axis(log_probs, target[..., None], axis=-1)
    return (0.0 - float(np.sum(picked))) / max(target.size, 1)  # 0.0, not -0.0, when empty


def grad_cross_entropy(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """dL/dlogits = (softmax(logits) - one_hot(target)) / N.  same shape as logits"""
    grad = softmax(logits, axis=-1)
    np.put_along_axis(
        grad, target[..., None], np.take_along_axis(grad, target[..., None], axis=-1) - 1, axis=-1
    )
    with np.errstate(under="ignore"):  # dividing a probability that is already ~0
        grad /= max(target.size, 1)
    return grad
