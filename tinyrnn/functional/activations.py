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
    # s = exp(min(x, 0)) / (1 + exp(-|x|)): equal to 1 / (1 + exp(-x)) for x >= 0 and to
    # exp(x) / (1 + exp(x)) for x < 0. Neither exp() can overflow, both tails keep full
    # relative precision (1 + tanh(x/2) would cancel to 0), and there is no branch or np.where,
    # which is several times slower on mixed-sign data. `out` may be `x` itself: the
    # denominator is taken before it is written.
    with np.errstate(under="ignore"):  # exp() of a huge negative rounding to 0 is correct
        denominator = np.abs(x)
        np.negative(denominator, out=denominator)
        np.exp(denominator, out=denominator)
        denominator += 1.0
        y = np.minimum(x, 0, out=out)
        np.exp(y, out=y)
    y /= denominator
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
    if x.size == 0:  # an empty axis is an empty distribution (as PyTorch); max() has no identity
        return np.exp(x)  # empty, in the dtype of the general case
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
    if x.size == 0:  # as in softmax
        return np.exp(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):  # as in softmax: terms that round to 0 are negligible
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
