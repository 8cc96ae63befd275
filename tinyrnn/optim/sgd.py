"""SGD with momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyper import check_bool, check_real
from ._inplace import weight_decayed
from .optimizer import Optimizer, Slot


class SGD(Optimizer):
    """`SGD(params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)`:
    stochastic gradient descent; `params` is `model.parameters()` or a list of group dicts.

    g = grad + wd p; buf = m buf + (1 - dampening) g (buf = g at first); p -= lr (g + m buf
    if nesterov else buf), or p -= lr g without momentum."""

    _state_arrays = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_real("SGD", group, "momentum", "momentum")
        check_real("SGD", group, "dampening", "dampening", low=-np.inf)
        check_real("SGD", group, "weight_decay", "weight_decay")
        check_bool("SGD", group, "nesterov")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and zero dampening")

    def _required_state(self, group: Any) -> tuple[str, ...]:
        return ()  # the momentum buffer starts as a copy of the first gradient, when needed

    def _step_group(self, group: dict[str, Any], slots: list[Slot]) -> None:
        neg_lr, momentum, weight_decay = -group["lr"], group["momentum"], group["weight_decay"]
        keep, nesterov = 1 - group["dampening"], group["nesterov"]
        for param, state, scratch, decayed in slots:
            data, grad = param.data, param.grad
            if weight_decay != 0:
                grad = weight_decayed(grad, data, weight_decay, out=decayed)
            if momentum != 0:
                buffer = state.get("momentum_buffer")
                if buffer is None:  # PyTorch starts the buffer at the first gradient, undamped
                    buffer = state["momentum_buffer"] = grad.copy()
                else:
                    buffer *= momentum
                    np.multiply(grad, keep, out=scratch)
                    buffer += scratch
                if nesterov:  # look ahead: g + m buf
                    np.multiply(buffer, momentum, out=scratch)
                    scratch += grad
                    grad = scratch
                else:
                    grad = buffer
            np.multiply(grad, neg_lr, out=scratch)
            data += scratch
