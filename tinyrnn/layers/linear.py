"""Linear: y = x W^T + b over the last axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from .._validation import check_grad, checked_input
from ..module import Module
from ..parameter import Parameter


class Linear(Module):
    """y = x W^T + b.  x: (..., in_features) -> (..., out_features)"""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(
                f"Linear: in_features and out_features must be >= 1, "
                f"got {in_features} and {out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        dtype, rng = resolve_dtype(dtype, "Linear"), resolve_rng(rng, "Linear")
        # PyTorch's default: weight and bias uniform in +-1/sqrt(in_features).
        bound = 1.0 / np.sqrt(in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)), dtype)
        self.bias = Parameter(rng.uniform(-bound, bound, out_features), dtype) if bias else None

    def forward(self, x: Any) -> np.ndarray:
        """x: (..., in_features) -> (..., out_features); caches x for the weight gradient."""
        weight = self.weight.data
        x = checked_input(x, weight.dtype, (..., self.in_features), "Linear")
        # One 2-D GEMM over all leading axes: NumPy runs a 3-D matmul as many small ones.
        y = x.reshape(-1, self.in_features) @ weight.T
        y = y.reshape(x.shape[:-1] + (self.out_features,))
        if self.bias is not None:
            y += self.bias.data
        self.save_for_backward(x)
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray | None:
        """dL/dy: (..., out_features) -> dL/dx: (..., in_features); adds dL/dW, dL/db.

        Returns None (no dx GEMM) when `needs_input_grad` is False.
        """
        x = self.pop_saved()
        grad_output = check_grad(grad_output, x.shape[:-1] + (self.out_features,), "Linear")
        grad_output = grad_output.astype(x.dtype, copy=False)  # dx in the layer's dtype
        # y = x W^T + b  =>  dW = g^T x (summed over every leading axis), db = sum g, dx = g W.
        grad_2d = grad_output.reshape(-1, self.out_features)
        self.weight.grad += grad_2d.T @ x.reshape(-1, self.in_features)
        if self.bias is not None:
            self.bias.grad += grad_2d.sum(axis=0)
        if not self.needs_input_grad:
            return None
        return (grad_2d @ self.weight.data).reshape(x.shape)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
