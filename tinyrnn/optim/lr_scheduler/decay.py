"""StepLR and ExponentialLR: multiply the lr by gamma every step_size epochs, or every epoch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler, check_number


class StepLR(LRScheduler):
    """`StepLR(optimizer, step_size, gamma=0.1)`: lr times `gamma` every `step_size` epochs
    (call `step()` once per epoch).

    lr = base_lr * gamma^(epoch // step_size), applied as one multiplication per decay.
    """

    _settings = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self._check_settings({"step_size": step_size, "gamma": gamma})
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        check_number("StepLR", "step_size", settings["step_size"], low=1, integer=True)
        check_number("StepLR", "gamma", settings["gamma"])

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class ExponentialLR(LRScheduler):
    """`ExponentialLR(optimizer, gamma)`: lr times `gamma` every epoch (call `step()` each epoch).

    lr = base_lr * gamma^epoch, applied as one multiplication per epoch.
    """

    _settings = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self._check_settings({"gamma": gamma})
        self.gamma = gamma
        super().__init__(optimizer)

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        check_number("ExponentialLR", "gamma", settings["gamma"])

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]
