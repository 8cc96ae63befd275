"""Gradient clipping by global norm and by value (PyTorch's clip_grad_norm_/clip_grad_value_)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..parameter import Parameter
from .optimizer import parameter_list


def _check_limit(who: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) >= 0:
        raise ValueError(f"{who}: {name} must be a number >= 0, got {value!r}")


def _norm(grad: np.ndarray, norm_type: float) -> float:
    """The vector norm of one gradient; without temporaries for the usual 2 and inf."""
    if grad.size == 0:
        return 0.0
    if norm_type == math.inf:  # NaN propagates through max/min
        return max(float(grad.max()), -float(grad.min()))
    flat = grad.reshape(-1)
    info = np.finfo(flat.dtype)
    with np.errstate(over="ignore", under="ignore"):
        norm = float(np.linalg.norm(flat, ord=norm_type))
        if norm == math.inf or norm < math.sqrt(info.tiny) / info.eps:
            # The powers |g|^p may have overflowed (float32 squares do from |g| ~ 2e19) or
            # underflowed into subnormals (from |g| ~ 1e-19) although the norm itself is
            # finite: then take it of g / max|g| (entries <= 1) in float64, rather than report
            # inf and let the clipping zero every gradient, or report a rounded-off norm.
            largest = _norm(grad, math.inf)
            if 0.0 < largest < math.inf:
                norm = largest * float(np.linalg.norm(flat.astype(np.float64) / largest, norm_type))
    return norm


def clip_grad_norm(
    params: Iterable[Parameter] | Parameter,
    max_norm: float,
    error_if_nonfinite: bool = False,
    *,
    norm_type: float = 2.0,
) -> float:
    """Scale all gradients together so that their joint norm is at most max_norm; -> that norm.

    The joint norm is the norm of the per-parameter norms (for any norm_type, inf = max |g|).
    As in PyTorch, the gradients are multiplied by min(max_norm / (total + 1e-6), 1): the 1e-6
    guards against division by zero, so the clipped norm is a hair below max_norm.
    """
    who = "clip_grad_norm"
    if not isinstance(error_if_nonfinite, (bool, np.bool_)):
        raise TypeError(
            f"{who}: error_if_nonfinite must be True or False, got {error_if_nonfinite!r} "
            "(pass norm_type by keyword: the argument order differs from torch's)"
        )
    _check_limit(who, "max_norm", max_norm)
    norm_type = float(norm_type)
    params = parameter_list(params, who)
    if not params:
        return 0.0
    total = _norm(np.array([_norm(p.grad, norm_type) for p in params]), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{who}: the total norm of order {norm_type} of the gradients is non-finite "
            f"({total}), so it cannot be clipped; pass error_if_nonfinite=False to scale the "
            "gradients by it anyway"
        )
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0 or math.isnan(coefficient):  # clamp(max=1), which keeps NaN
        # inf * 0 -> NaN, as in torch, without a warning; tiny entries may round to 0.
        with np.errstate(invalid="ignore", under="ignore"):
            for param in params:
                param.grad *= coefficient
    return total


def clip_grad_value(params: Iterable[Parameter] | Parameter, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place (NaN stays NaN)."""
    _check_limit("clip_grad_value", "clip_value", clip_value)
    for param in parameter_list(params, "clip_grad_value"):
        np.clip(param.grad, -clip_value, clip_value, out=param.grad)
