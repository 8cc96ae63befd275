"""RMSprop (Hinton) with momentum, the centered variant and weight decay, PyTorch's update rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._hyper import check_bool, check_real
from ._inplace import lerp_, scaled_square_, weight_decayed
from .optimizer import Optimizer, Slot


class RMSprop(Optimizer):
    """`RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
    centered=False)`: steps scaled by a running root mean square of the gradients; `params` is
    `model.parameters()` or a list of group dicts.

    g = grad + wd p; v = a v + (1-a) g^2; avg = sqrt(v - mean_g^2 if centered else v) + eps;
    buf = m buf + g / avg, p -= lr buf (momentum > 0), else p -= lr g / avg.

    Centered: mean_g = a mean_g + (1-a) g estimates the gradient's mean, so avg tracks its
    standard deviation rather than its root mean square.
    """

    _state_arrays = ("square_avg", "momentum_buffer", "grad_avg")
    _has_step = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        check_real("RMSprop", group, "alpha", "alpha value")
        check_real("RMSprop", group, "eps", "epsilon value")
        check_real("RMSprop", group, "weight_decay", "weight_decay value")
        check_real("RMSprop", group, "momentum", "momentum value")
        check_bool("RMSprop", group, "centered")

    def _required_state(self, group: Any) -> tuple[str, ...]:
        momentum = ("momentum_buffer",) if group["momentum"] > 0 else ()
        return ("step", "square_avg", *momentum, *(("grad_avg",) if group["centered"] else ()))

    def _step_group(self, group: dict[str, Any], slots: list[Slot]) -> None:
        neg_lr, alpha, eps = -group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        centered = group["centered"]
        for param, state, scratch, decayed in slots:
            data, grad = param.data, param.grad
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(data)
            state["step"] += 1
            if weight_decay != 0:
                grad = weight_decayed(grad, data, weight_decay, out=decayed)
            square_avg = state["square_avg"]
            scaled_square_(square_avg, alpha, grad, 1 - alpha, scratch)
            if centered:
                grad_avg = state.get("grad_avg")
                if grad_avg is None:
                    grad_avg = state["grad_avg"] = np.zeros_like(data)
                lerp_(grad_avg, grad, 1 - alpha, scratch)
                np.multiply(grad_avg, grad_avg, out=scratch)
                np.subtract(square_avg, scratch, out=scratch)
                np.sqrt(scratch, out=scratch)
            else:
                np.sqrt(square_avg, out=scratch)
            scratch += eps
            np.divide(grad, scratch, out=scratch)  # g / avg
            if momentum > 0:
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = state["momentum_buffer"] = np.zeros_like(data)
                buffer *= momentum
                buffer += scratch
                np.multiply(buffer, neg_lr, out=scratch)
            else:
                scratch *= neg_lr
            data += scratch
