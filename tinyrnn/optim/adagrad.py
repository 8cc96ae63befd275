"""Adagrad (Duchi et al.) with learning-rate decay and weight decay, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyper import check_real
from ._inplace import scaled_square_, weight_decayed
from .optimizer import Optimizer, Slot


class Adagrad(Optimizer):
    """`Adagrad(params, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
    eps=1e-10)`: steps shrink with the summed squared gradients; `params` is
    `model.parameters()` or a list of group dicts.

    g = grad + wd p; clr = lr / (1 + (t-1) lr_decay); sum += g^2; p -= clr g / (sqrt(sum) + eps).

    `sum` starts at initial_accumulator_value, so early steps are not huge when it is > 0.
    """

    _state_arrays = ("sum",)
    _has_step = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_real("Adagrad", group, "lr_decay", "lr_decay value")
        check_real("Adagrad", group, "weight_decay", "weight_decay value")
        check_real("Adagrad", group, "initial_accumulator_value", "initial_accumulator_value")
        check_real("Adagrad", group, "eps", "epsilon value")

    def _step_group(self, group: dict[str, Any], slots: list[Slot]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay, initial = group["weight_decay"], group["initial_accumulator_value"]
        for param, state, scratch, decayed in slots:
            if not state:
                state["step"] = 0
                state["sum"] = np.full_like(param.data, initial)
            data, grad = param.data, param.grad
            step = state["step"] = state["step"] + 1
            if weight_decay != 0:
                grad = weight_decayed(grad, data, weight_decay, out=decayed)
            clr = lr / (1 + (step - 1) * lr_decay)
            sum_ = state["sum"]
            scaled_square_(sum_, 1.0, grad, 1.0, scratch)  # sum += g * g
            np.sqrt(sum_, out=scratch)
            scratch += eps
            np.divide(grad, scratch, out=scratch)
            scratch *= -clr
            data += scratch
