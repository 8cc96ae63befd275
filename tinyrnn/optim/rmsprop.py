"""RMSprop (Hinton) with momentum, the centered variant and weight decay, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..parameter import Parameter
from .optimizer import FLAG, NONNEGATIVE, Optimizer


class RMSprop(Optimizer):
    """`RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
    centered=False)`: steps scaled by a running root mean square of the gradients; `params` is
    `model.parameters()` or a list of group dicts.

    theta -= gamma g / (sqrt(v) + eps), v a moving average of g^2 (directly or through b).

    In the notation of PyTorch's algorithm for RMSprop: gamma lr, alpha the smoothing constant,
    lambda weight_decay, mu momentum, v the square average (state "square_avg"), b the momentum
    buffer ("momentum_buffer"), g_ave the average gradient ("grad_avg"): when centered, v - g_ave^2
    estimates the gradient's variance, so the step divides by its standard deviation instead.
    """

    _rules = {
        **dict.fromkeys(("lr", "alpha", "eps", "weight_decay", "momentum"), NONNEGATIVE),
        "centered": FLAG,
    }
    # b and g_ave exist only with momentum > 0 and when centered
    _state_names = {"step": None, "square_avg": None, "momentum_buffer": "momentum",
                    "grad_avg": "centered"}  # fmt: skip

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:  # fmt: skip
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))  # fmt: skip

    def _update(self, param: Parameter, state: dict[str, Any], group: dict[str, Any]) -> None:
        gamma, alpha, eps = group["lr"], group["alpha"], group["eps"]
        lam, mu = group["weight_decay"], group["momentum"]
        theta = param.data
        g, tmp = self._gradient(param, lam)  # g_t <- g_t + lambda theta_{t-1}
        if not state:  # v_0 <- 0 (b_0 and g_ave_0 too, when first needed)
            state.update(step=0, square_avg=np.zeros_like(theta))
        state["step"] += 1
        v = state["square_avg"]
        v *= alpha  # v_t <- alpha v_{t-1} + (1 - alpha) g_t^2
        v += np.multiply(np.multiply(g, 1 - alpha, out=tmp), g, out=tmp)
        if group["centered"]:
            g_ave = state.get("grad_avg")
            if g_ave is None:
                g_ave = state["grad_avg"] = np.zeros_like(theta)
            g_ave *= alpha  # g_ave_t <- alpha g_ave_{t-1} + (1 - alpha) g_t
            g_ave += np.multiply(g, 1 - alpha, out=tmp)
            v_tilde = np.subtract(v, np.multiply(g_ave, g_ave, out=tmp), out=tmp)
        else:
            v_tilde = v  # v~_t <- v_t, or v_t - (g_ave_t)^2 when centered
        denominator = np.sqrt(v_tilde, out=tmp)
        denominator += eps
        scaled = np.divide(g, denominator, out=tmp)  # g_t / (sqrt(v~_t) + eps)
        if mu > 0:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = np.zeros_like(theta)
            b *= mu  # b_t <- mu b_{t-1} + g_t / (sqrt(v~_t) + eps)
            b += scaled
            theta -= np.multiply(b, gamma, out=tmp)  # theta_t <- theta_{t-1} - gamma b_t
        else:  # theta_t <- theta_{t-1} - gamma g_t / (sqrt(v~_t) + eps)
            scaled *= gamma
            theta -= scaled
