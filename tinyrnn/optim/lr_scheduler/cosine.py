"""CosineAnnealingLR: lr follows half a cosine from base_lr down to eta_min over T_max epochs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler, check_number


class CosineAnnealingLR(LRScheduler):
    """`CosineAnnealingLR(optimizer, T_max, eta_min=0.0)`: the lr follows half a cosine down to
    `eta_min` over `T_max` epochs; call `step()` once per epoch.

    lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2, computed recursively.

    Like PyTorch, each step rescales the group's current lr (so other changes to it carry on):
    lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max)).
    Past T_max the lr climbs back up (the cosine continues; no restart), and at the bottom of
    each period, where that ratio would be 0/0, a closed-form increment replaces it.
    """

    _settings = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        self._check_settings({"T_max": T_max, "eta_min": eta_min})
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        check_number("CosineAnnealingLR", "T_max", settings["T_max"], low=1, integer=True)
        check_number("CosineAnnealingLR", "eta_min", settings["eta_min"])

    def get_lr(self) -> list[float]:
        groups, epoch = self.optimizer.param_groups, self.last_epoch
        t_max, eta_min = self.T_max, self.eta_min
        if self._is_initial:
            return [group["lr"] for group in groups]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:  # just past the minimum: the 0/0 case
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        # The operation order matches torch's expression, so the lrs agree to the last bit.
        return [
            (1 + math.cos(math.pi * epoch / t_max))
            / (1 + math.cos(math.pi * (epoch - 1) / t_max))
            * (group["lr"] - eta_min)
            + eta_min
            for group in groups
        ]
