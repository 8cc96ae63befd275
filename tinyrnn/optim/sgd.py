"""SGD with momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..parameter import Parameter
from .optimizer import FINITE, FLAG, NONNEGATIVE, Optimizer


class SGD(Optimizer):
    """`SGD(params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)`:
    stochastic gradient descent; `params` is `model.parameters()` or a list of group dicts.

    theta -= gamma g, with g = grad + lambda theta, or through a momentum buffer b.

    In the notation of PyTorch's algorithm for SGD: gamma lr, lambda weight_decay, mu momentum,
    tau dampening, b the momentum buffer (state "momentum_buffer"), theta the parameter.
    """

    _rules = {
        "lr": NONNEGATIVE, "momentum": NONNEGATIVE, "dampening": FINITE,
        "weight_decay": NONNEGATIVE, "nesterov": FLAG,
    }  # fmt: skip
    _state_names = {"momentum_buffer": "momentum"}  # made at the first step with momentum

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 ) -> None:  # fmt: skip
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))  # fmt: skip

    def _checked_group(self, group: Mapping[str, Any], who: str) -> dict[str, Any]:
        values = super()._checked_group(group, who)
        if values["nesterov"] and (values["momentum"] <= 0 or values["dampening"] != 0):
            raise ValueError(f"{who}: Nesterov momentum requires momentum > 0 and zero dampening")
        return values

    def _update(self, param: Parameter, state: dict[str, Any], group: dict[str, Any]) -> None:
        gamma, lam = group["lr"], group["weight_decay"]
        mu, tau = group["momentum"], group["dampening"]
        theta = param.data
        g, tmp = self._gradient(param, lam)  # g_t <- g_t + lambda theta_{t-1}
        if mu != 0:
            b = state.get("momentum_buffer")
            if b is None:  # b_1 <- g_1
                b = state["momentum_buffer"] = g.copy()
            else:  # b_t <- mu b_{t-1} + (1 - tau) g_t
                b *= mu
                b += np.multiply(g, 1 - tau, out=tmp)
            if group["nesterov"]:  # g_t <- g_t + mu b_t
                g = np.add(np.multiply(b, mu, out=tmp), g, out=tmp)
            else:  # g_t <- b_t
                g = b
        theta -= np.multiply(g, gamma, out=tmp)  # theta_t <- theta_{t-1} - gamma g_t
