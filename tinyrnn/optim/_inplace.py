"""In-place building blocks of the optimizers' updates: no new arrays, PyTorch's operation order."""

from __future__ import annotations

import numpy as np


def weight_decayed(
    grad: np.ndarray, data: np.ndarray, weight_decay: float, out: np.ndarray
) -> np.ndarray:
    """grad + weight_decay * data (L2 penalty folded into the gradient), written into `out`."""
    np.multiply(data, weight_decay, out=out)
    out += grad
    return out


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, scratch: np.ndarray) -> None:
    """start <- start + weight * (end - start), in place, in torch.lerp_'s two forms.

    PyTorch switches to end - (end - start) * (1 - weight) for weights >= 0.5, which is exact at
    weight 1; we follow it so that the rounding matches. `scratch` has start's shape.
    """
    np.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= weight - 1.0
        np.add(end, scratch, out=start)


def scaled_square_(
    accumulator: np.ndarray, decay: float, grad: np.ndarray, weight: float, scratch: np.ndarray
) -> None:
    """accumulator <- decay * accumulator + (weight * grad) * grad, in place (torch's addcmul_)."""
    np.multiply(grad, weight, out=scratch)
    scratch *= grad
    if decay != 1.0:
        accumulator *= decay
    accumulator += scratch
