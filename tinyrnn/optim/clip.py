"""Gradient clipping by global norm and by value (PyTorch's clip_grad_norm_/clip_grad_value_)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..parameter import Parameter


def _as_list(params: Iterable[Parameter] | Parameter) -> list[Parameter]:
    return [params] if isinstance(params, Parameter) else list(params)


def clip_grad_norm(
    params: Iterable[Parameter] | Parameter,
    max_norm: float,
    error_if_nonfinite: bool = False,
    norm_type: float = 2.0,
) -> float:
    """Scale all gradients together so their joint norm is at most max_norm; returns that norm."""
    params = _as_list(params)
    if not params:
        return 0.0
    if norm_type == np.inf:
        norms = [float(np.max(np.abs(p.grad))) if p.grad.size else 0.0 for p in params]
        total = max(norms)
    else:
        norms = [float(np.linalg.norm(p.grad.ravel(), ord=norm_type)) for p in params]
        total = float(np.linalg.norm(np.array(norms), ord=norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm: the total norm of order {norm_type} of the gradients is {total}; "
            "set error_if_nonfinite=False to clip anyway"
        )
    # As PyTorch: the coefficient is clamped at 1, and 1e-6 guards against division by zero.
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    for param in params:
        param.grad *= coefficient
    return total


def clip_grad_value(params: Iterable[Parameter] | Parameter, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value: clip_value must be >= 0, got {clip_value}")
    for param in _as_list(params):
        np.clip(param.grad, -clip_value, clip_value, out=param.grad)
