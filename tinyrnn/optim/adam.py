"""Adam (Kingma & Ba) with L2 weight decay, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyper import check_real
from ._inplace import lerp_, scaled_square_, weight_decayed
from .optimizer import Optimizer, Slot


class Adam(Optimizer):
    """`Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)`: Adam;
    `params` is `model.parameters()` or a list of group dicts.

    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) m / (sqrt(v/(1-b2^t)) + eps).

    g = grad + weight_decay * p (L2 penalty, not AdamW's decoupled decay); the denominator is
    computed as sqrt(v) / sqrt(1 - b2^t) + eps, PyTorch's order.
    """

    _state_arrays = ("exp_avg", "exp_avg_sq")
    _has_step = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        try:
            betas = tuple(betas)  # type: ignore[assignment]
        except TypeError:
            raise TypeError(f"Adam: betas must be a pair of floats, got {betas!r}") from None
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_real("Adam", group, "eps", "epsilon value")
        check_real("Adam", group, "weight_decay", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        for index, beta in enumerate(betas):
            check_real("Adam", {"beta": beta}, "beta", f"beta parameter at index {index}", 0, 1)

    def _step_group(self, group: dict[str, Any], slots: list[Slot]) -> None:
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for param, state, scratch, decayed in slots:
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(param.data)
                state["exp_avg_sq"] = np.zeros_like(param.data)
            data, grad = param.data, param.grad
            if weight_decay != 0:
                grad = weight_decayed(grad, data, weight_decay, out=decayed)
            step = state["step"] = state["step"] + 1
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            lerp_(exp_avg, grad, 1 - beta1, scratch)  # m += (1 - b1) (g - m)
            scaled_square_(exp_avg_sq, beta2, grad, 1 - beta2, scratch)
            # Bias corrections undo the zero initialisation of the two averages; PyTorch divides
            # sqrt(v) by sqrt(1 - b2^t) before adding eps, and so do we.
            step_size = lr / (1 - beta1**step)
            np.sqrt(exp_avg_sq, out=scratch)
            scratch /= (1 - beta2**step) ** 0.5
            scratch += eps
            np.divide(exp_avg, scratch, out=scratch)
            scratch *= -step_size
            data += scratch
