"""Adagrad (Duchi et al.) with learning-rate decay and weight decay, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..parameter import Parameter
from .optimizer import NONNEGATIVE, Optimizer


class Adagrad(Optimizer):
    """`Adagrad(params, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
    eps=1e-10)`: steps shrink with the summed squared gradients; `params` is
    `model.parameters()` or a list of group dicts.

    theta -= gamma~ g / (sqrt(state_sum) + eps): state_sum adds up g^2, gamma~ decays lr.

    In the notation of PyTorch's algorithm for Adagrad: gamma lr, eta lr_decay, lambda
    weight_decay, tau initial_accumulator_value (where state_sum, state "sum", starts: when > 0
    the first steps are not huge), t the step count, gamma~ = gamma / (1 + (t-1) eta).
    """

    _rules = dict.fromkeys(
        ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"), NONNEGATIVE
    )
    _state_names = dict.fromkeys(("step", "sum"))

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:  # fmt: skip
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps)  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, param: Parameter, state: dict[str, Any], group: dict[str, Any]) -> None:
        gamma, eta, lam, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
        theta = param.data
        g, tmp = self._gradient(param, lam)  # g_t <- g_t + lambda theta_{t-1}
        if not state:  # state_sum_0 <- tau
            state.update(step=0, sum=np.full_like(theta, group["initial_accumulator_value"]))
        t = state["step"] = state["step"] + 1
        state_sum = state["sum"]
        gamma_tilde = gamma / (1 + (t - 1) * eta)  # gamma~ <- gamma / (1 + (t - 1) eta)
        state_sum += np.multiply(g, g, out=tmp)  # state_sum_t <- state_sum_{t-1} + g_t^2
        # theta_t <- theta_{t-1} - gamma~ g_t / (sqrt(state_sum_t) + eps)
        denominator = np.sqrt(state_sum, out=tmp)
        denominator += eps
        step = np.divide(g, denominator, out=tmp)
        step *= gamma_tilde
        theta -= step
