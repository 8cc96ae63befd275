"""Elementwise activation modules and Softmax: no parameters, any input shape.

Their backward returns None when `needs_input_grad` is False (the input gradient is all
they compute).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._config import get_default_dtype
from .._validation import as_float_array, check_grad
from ..module import Module


def _as_input(x: Any, who: str) -> np.ndarray:
    # Float inputs keep their dtype (these layers have no parameters to match);
    # integer inputs become the default float dtype.
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    return as_float_array(x, get_default_dtype(), who)


def _checked_grad(grad_output: Any, y: np.ndarray, who: str) -> np.ndarray:
    # The gradient takes the output's shape and dtype: a float64 gradient into a float32 layer
    # gives a float32 input gradient, as in the layers with parameters.
    return check_grad(grad_output, y.shape, who).astype(y.dtype, copy=False)


class Tanh(Module):
    """`Tanh()` (no arguments): the hyperbolic tangent, elementwise.

    y = tanh(x), elementwise.  x: any shape -> same shape
    """

    def forward(self, x: Any) -> np.ndarray:
        y = F.tanh(_as_input(x, "Tanh"))
        self.save_for_backward(y)  # backward needs only the output
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        y = self.pop_saved()
        grad_output = _checked_grad(grad_output, y, "Tanh")
        if not self.needs_input_grad:
            return None
        # d tanh(x)/dx = 1 - tanh(x)^2
        return grad_output * F.grad_tanh(y)


class Sigmoid(Module):
    """`Sigmoid()` (no arguments): the logistic function, elementwise.

    y = 1 / (1 + exp(-x)), elementwise.  x: any shape -> same shape
    """

    def forward(self, x: Any) -> np.ndarray:
        y = F.sigmoid(_as_input(x, "Sigmoid"))
        self.save_for_backward(y)
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        y = self.pop_saved()
        grad_output = _checked_grad(grad_output, y, "Sigmoid")
        if not self.needs_input_grad:
            return None
        # d sigmoid(x)/dx = y (1 - y)
        return grad_output * F.grad_sigmoid(y)


class ReLU(Module):
    """`ReLU()` (no arguments): max(x, 0), elementwise.

    y = max(x, 0), elementwise.  x: any shape -> same shape
    """

    def forward(self, x: Any) -> np.ndarray:
        y = F.relu(_as_input(x, "ReLU"))
        self.save_for_backward(y)
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        y = self.pop_saved()
        grad_output = _checked_grad(grad_output, y, "ReLU")
        if not self.needs_input_grad:
            return None
        # d relu(x)/dx = 1 where x > 0, else 0
        return grad_output * F.grad_relu(y)


class Softmax(Module):
    """`Softmax(axis=-1)`: softmax along `axis` (probabilities summing to 1 there).

    y = softmax(x) along `axis`.  x: any shape -> same shape
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Any) -> np.ndarray:
        x = _as_input(x, "Softmax")
        if not -x.ndim <= self.axis < max(x.ndim, 1):
            raise ValueError(f"Softmax: axis {self.axis} is out of range for shape {x.shape}")
        y = F.softmax(x, axis=self.axis)
        self.save_for_backward(y)
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        y = self.pop_saved()
        grad_output = _checked_grad(grad_output, y, "Softmax")
        if not self.needs_input_grad:
            return None
        # dL/dx = y * (g - sum(g * y)) along the axis (the softmax Jacobian applied to g)
        return F.grad_softmax(y, grad_output, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
