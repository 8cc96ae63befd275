"""Elementwise activations and softmax, each with the derivative its layer's backward uses.

The `grad_*` functions take the activation's *output* `y`: every derivative here can be written
in terms of it, so a layer only has to cache one array.
"""

from __future__ import annotations

import numpy as np


def tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """y = tanh(x).  x: any shape -> same shape"""
    return np.tanh(x, out=out)


def grad_tanh(y: np.ndarray) -> np.ndarray:
    """d tanh(x)/dx = 1 - tanh(x)^2, from y = tanh(x).  y: any shape -> same shape"""
    return 1.0 - y * y


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """y = 1 / (1 + exp(-x)).  x: any shape -> same shape"""
    # With e = exp(-|x|) <= 1 (no overflow): s = 1 / (1 + e) for x >= 0 and e / (1 + e) for
    # x < 0, so both tails keep full relative precision (1 + tanh(x/2) would cancel to 0).
    # `out` may be `x` itself: the sign mask and e are taken before it is written.
    negative = x < 0
    with np.errstate(under="ignore"):  # exp(-|x|) rounding to 0 for huge |x| is correct
        e = np.exp(-np.abs(x))
    y = np.add(e, 1.0, out=out)
    np.divide(np.where(negative, e, 1.0), y, out=y)
    return y


def grad_sigmoid(y: np.ndarray) -> np.ndarray:
    """d sigmoid(x)/dx = s(1 - s), from y = sigmoid(x).  y: any shape -> same shape"""
    return y * (1.0 - y)


def relu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """y = max(x, 0).  x: any shape -> same shape"""
    return np.maximum(x, 0, out=out)


def grad_relu(y: np.ndarray) -> np.ndarray:
    """d relu(x)/dx = 1 where x > 0 else 0 (0 at x = 0, as PyTorch), from y = relu(x)."""
    return (y > 0).astype(y.dtype)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """y = exp(x) / sum(exp(x)) along `axis`, stable for any finite x.  any shape -> same shape"""
    # Subtracting the max changes nothing mathematically and keeps exp() <= 1.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    # exp() of a very negative shift rounds to 0, which is the right answer, not an error.
    with np.errstate(under="ignore"):
        y = np.exp(shifted)
        y /= np.sum(y, axis=axis, keepdims=True)
    return y


def grad_softmax(y: np.ndarray, grad_output: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: dL/dx from y = softmax(x) and dL/dy."""
    # dy_i/dx_j = y_i (delta_ij - y_j)  =>  dL/dx_j = y_j (g_j - sum_i g_i y_i)
    with np.errstate(under="ignore"):  # products with a probability that rounded to ~0
        inner = np.sum(grad_output * y, axis=axis, keepdims=True)
        return y * (grad_output - inner)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) along `axis`, computed without taking the log of an underflowed 0."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):  # as in softmax: terms that round to 0 are negligible
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
