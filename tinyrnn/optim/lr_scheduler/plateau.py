"""ReduceLROnPlateau: multiply the lr by `factor` when a metric stops improving."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from .._values import plain
from ..optimizer import Optimizer
from .scheduler import LRScheduler, check_number


class ReduceLROnPlateau(LRScheduler):
    """`ReduceLROnPlateau(optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
    threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8)`: call `step(metric)` once per
    epoch; the lr is cut by `factor` when the metric stops improving.

    After more than `patience` epochs without improvement, lr = max(lr * factor, min_lr).

    Improvement in mode "min" means metric < best * (1 - threshold) ("rel") or best - threshold
    ("abs"); "max" mirrors it. After a reduction, `cooldown` epochs pass before bad epochs count
    again, and a reduction smaller than `eps` is skipped. `step(metric)` once per epoch.
    """

    _settings = {
        "mode": None, "factor": (0.0, float), "patience": (0.0, int), "threshold": (0.0, float),
        "threshold_mode": None, "cooldown": (0.0, int), "eps": (0.0, float),
    }  # fmt: skip

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got {optimizer!r}")
        count = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * count
        if len(min_lrs) != count:
            raise ValueError(f"ReduceLROnPlateau: expected {count} min_lrs, got {len(min_lrs)}")
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.min_lrs: list[float] = min_lrs
        self._check_settings({key: getattr(self, key) for key in (*self._settings, "min_lrs")})
        self.optimizer = optimizer
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _state_keys(self) -> tuple[str, ...]:
        counters = ("min_lrs", "best", "num_bad_epochs", "cooldown_counter", "last_epoch")
        return (*self._settings, *counters, "_last_lr")

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        who = "ReduceLROnPlateau"
        if settings["mode"] not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min' or 'max', got {settings['mode']!r}")
        if settings["threshold_mode"] not in ("rel", "abs"):
            got = settings["threshold_mode"]
            raise ValueError(f"{who}: threshold_mode must be 'rel' or 'abs', got {got!r}")
        super()._check_settings(settings)
        if not settings["factor"] < 1.0:
            raise ValueError(f"{who}: factor must be < 1.0, got {settings['factor']!r}")
        for value in settings["min_lrs"]:
            check_number(who, "min_lr", value)

    def _is_better(self, metric: float) -> bool:
        best, threshold, rel = self.best, self.threshold, self.threshold_mode == "rel"
        if self.mode == "min":
            return metric < (best * (1.0 - threshold) if rel else best - threshold)
        return metric > (best * (threshold + 1.0) if rel else best + threshold)

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record this epoch's metric (e.g. the validation loss) and reduce the lr if due."""
        value = plain(metrics)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"ReduceLROnPlateau.step: expected a number, got {metrics!r}")
        self.last_epoch += 1
        if self._is_better(float(value)):
            self.best = float(value)
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # bad epochs in cooldown do not count
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):  # groups were added since construction
            if len(set(self.min_lrs)) != 1:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                    f"min_lrs has {len(self.min_lrs)} entries; update `min_lrs`"
                )
            self.min_lrs = [self.min_lrs[0]] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
