"""Elementwise activation modules and Softmax: no parameters, any input shape.

Their backward returns None when `needs_input_grad` is False (the input gradient is all
they compute).
"""

from __future__ import annotations

from collections.abc import Callable
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


class Elementwise(Module):
    """`y = function(x)` elementwise, with backward `grad_output * derivative(y)`: the base of
    Tanh, Sigmoid and ReLU, whose derivatives are written in terms of their outputs.

    x: any shape -> same shape
    """

    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]

    def forward(self, x: Any) -> np.ndarray:
        y = type(self).function(_as_input(x, type(self).__name__))
        self.save_for_backward(y)  # backward needs only the output
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        y = self.pop_saved()
        grad_output = _checked_grad(grad_output, y, type(self).__name__)
        if not self.needs_input_grad:
            return None
        return grad_output * type(self).derivative(y)  # chain rule, elementwise


class Tanh(Elementwise):
    """`Tanh()` (no arguments): y = tanh(x), elementwise.  x: any shape -> same shape"""

    function = staticmethod(F.tanh)
    derivative = staticmethod(F.grad_tanh)  # d tanh(x)/dx = 1 - tanh(x)^2 = 1 - y^2


class Sigmoid(Elementwise):
    """`Sigmoid()` (no arguments): y = 1 / (1 + exp(-x)), elementwise.  any shape -> same shape"""

    function = staticmethod(F.sigmoid)
    derivative = staticmethod(F.grad_sigmoid)  # d sigmoid(x)/dx = y (1 - y)


class ReLU(Elementwise):
    """`ReLU()` (no arguments): y = max(x, 0), elementwise.  x: any shape -> same shape"""

    function = staticmethod(F.relu)
    derivative = staticmethod(F.grad_relu)  # 1 where x > 0, else 0 (also at 0, as PyTorch)


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
