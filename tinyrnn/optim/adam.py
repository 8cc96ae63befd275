"""Adam (Kingma & Ba) with L2 weight decay, PyTorch's update rule."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..parameter import Parameter
from .optimizer import NONNEGATIVE, Optimizer, Rule


class Adam(Optimizer):
    """`Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)`: Adam;
    `params` is `model.parameters()` or a list of group dicts.

    theta -= gamma m_hat / (sqrt(v_hat) + eps): bias-corrected averages of g and g^2.

    In the notation of PyTorch's algorithm for Adam: gamma lr, beta1 and beta2 betas, lambda
    weight_decay (an L2 penalty folded into g, not AdamW's decoupled decay), m and v the first
    and second moments (state "exp_avg", "exp_avg_sq"), t the step count.
    """

    _rules = {
        "lr": NONNEGATIVE, "betas": Rule(float, ">= 0 and < 1", lambda v: 0 <= v < 1, size=2),
        "eps": NONNEGATIVE, "weight_decay": NONNEGATIVE,
    }  # fmt: skip
    _state_names = dict.fromkeys(("step", "exp_avg", "exp_avg_sq"))

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:  # fmt: skip
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _update(self, param: Parameter, state: dict[str, Any], group: dict[str, Any]) -> None:
        gamma, (beta1, beta2) = group["lr"], group["betas"]
        eps, lam = group["eps"], group["weight_decay"]
        theta = param.data
        g, tmp = self._gradient(param, lam)  # g_t <- g_t + lambda theta_{t-1}
        if not state:  # m_0 <- 0, v_0 <- 0
            state.update(step=0, exp_avg=np.zeros_like(theta), exp_avg_sq=np.zeros_like(theta))
        t = state["step"] = state["step"] + 1
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1  # m_t <- beta1 m_{t-1} + (1 - beta1) g_t
        m += np.multiply(g, 1 - beta1, out=tmp)
        v *= beta2  # v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
        v += np.multiply(np.multiply(g, 1 - beta2, out=tmp), g, out=tmp)
        # theta_t <- theta_{t-1} - gamma m_hat_t / (sqrt(v_hat_t) + eps), with the bias
        # corrections m_hat_t = m_t / (1 - beta1^t), v_hat_t = v_t / (1 - beta2^t) that undo the
        # zero start, applied in PyTorch's order: sqrt(v_t) / sqrt(1 - beta2^t) + eps.
        denominator = np.sqrt(v, out=tmp)
        denominator /= math.sqrt(1 - beta2**t)
        denominator += eps
        step = np.divide(m, denominator, out=tmp)
        step *= gamma / (1 - beta1**t)
        theta -= step
