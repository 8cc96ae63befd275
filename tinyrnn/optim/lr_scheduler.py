"""Learning-rate schedulers with PyTorch's semantics: LRScheduler, the base of the epoch-based
StepLR, ExponentialLR and CosineAnnealingLR (PyTorch's chainable form), and ReduceLROnPlateau."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

from .optimizer import INTEGER, Optimizer, Rule, check_keys, checked, plain

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "ReduceLROnPlateau", "StepLR"]

AT_LEAST_0 = Rule(float, ">= 0", lambda v: v >= 0)
NUMBER = Rule(float, "a number", lambda v: not math.isnan(v))
LRS = NUMBER._replace(size=0)  # one per group: size 0 stands for the current list's length
# Internal flags of torch's schedulers; accepted (and ignored) by load_state_dict so that a
# state_dict written by torch loads too.
_TORCH_FLAGS = ("_is_initial", "_get_lr_called_within_step", "verbose")


class LRScheduler:
    """`LRScheduler(optimizer)`: base class of the schedulers; call `step()` once per epoch.

    Sets every parameter group's "lr" at each `step()`; subclasses implement `get_lr()`.

    As in PyTorch, the constructor records each group's starting lr as "initial_lr" (the
    `base_lrs`) and takes the first step (epoch 0), and `get_lr()` derives the next lrs from the
    groups' current ones, so schedulers can be chained. Call `scheduler.step()` after
    `optimizer.step()`. `state_dict()` holds plain numbers and lists only; the lrs themselves
    live in the optimizer's state_dict, so save and restore both.
    """

    # The constructor's settings (attributes the subclass sets before calling this constructor)
    # and the counters, each with its Rule: together they are the state_dict.
    _settings: ClassVar[dict[str, Rule]] = {}
    _counters: ClassVar[dict[str, Rule]] = {
        "base_lrs": LRS, "last_epoch": INTEGER, "_step_count": INTEGER, "_last_lr": LRS,
    }  # fmt: skip

    def __init__(self, optimizer: Optimizer) -> None:
        self._attach(optimizer)
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def _attach(self, optimizer: Optimizer) -> None:
        """Keep `optimizer` and check the settings (set as attributes by the subclass)."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {optimizer!r}")
        self._set(type(self).__name__, vars(self), self._settings)
        self.optimizer = optimizer

    def _set(self, who: str, values: Mapping[str, Any], rules: dict[str, Rule]) -> None:
        """Set each rule's attribute to its checked value, all or (on an error) none."""
        result = {}
        for key, rule in rules.items():  # size 0: a list as long as the current one
            size = len(getattr(self, key)) if rule.size == 0 else rule.size
            result[key] = checked(who, key, values[key], rule._replace(size=size))
        self.__dict__.update(result)

    def get_lr(self) -> list[float]:
        """The lr of every group for epoch `last_epoch` (already incremented by `step`)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and write the new lrs into the optimizer's groups."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lrs the last `step()` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """{setting or counter: number, string or list of numbers}; JSON-serialisable."""
        return {key: plain(getattr(self, key)) for key in {**self._settings, **self._counters}}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore `state_dict()`; checked first, nothing changes on error."""
        who = f"{type(self).__name__}.load_state_dict"
        rules = {**self._settings, **self._counters}
        check_keys(who, state_dict, rules, _TORCH_FLAGS)
        values = dict(state_dict)
        for key, rule in rules.items():  # a file may hold a whole number as a float
            if rule.kind is int and isinstance(values[key], float) and values[key].is_integer():
                values[key] = int(values[key])
        self._set(who, values, rules)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._settings)
        return f"{type(self).__name__}({settings}, last_epoch={self.last_epoch})"


class StepLR(LRScheduler):
    """`StepLR(optimizer, step_size, gamma=0.1)`: lr times `gamma` every `step_size` epochs
    (call `step()` once per epoch).

    lr = base_lr * gamma^(epoch // step_size), applied as one multiplication per decay.
    """

    _settings = {"step_size": Rule(int, ">= 1", lambda v: v >= 1), "gamma": AT_LEAST_0}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        decay = self.last_epoch > 0 and self.last_epoch % self.step_size == 0
        groups = self.optimizer.param_groups
        return [group["lr"] * self.gamma if decay else group["lr"] for group in groups]


class ExponentialLR(LRScheduler):
    """`ExponentialLR(optimizer, gamma)`: lr times `gamma` every epoch (call `step()` each epoch).

    lr = base_lr * gamma^epoch, applied as one multiplication per epoch.
    """

    _settings = {"gamma": AT_LEAST_0}

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        return [group["lr"] if self._is_initial else group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """`CosineAnnealingLR(optimizer, T_max, eta_min=0.0)`: the lr follows half a cosine down to
    `eta_min` over `T_max` epochs; call `step()` once per epoch.

    lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2, computed recursively.

    Like PyTorch, each step rescales the group's current lr (so other changes to it carry on):
    lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max)).
    Past T_max the lr climbs back up (the cosine continues; no restart), and at the bottom of
    each period, where that ratio would be 0/0, a closed-form increment replaces it.
    """

    _settings = {"T_max": Rule(int, ">= 1", lambda v: v >= 1), "eta_min": AT_LEAST_0}

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

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
        "mode": Rule(str, "'min' or 'max'", lambda v: v in ("min", "max")),
        "factor": Rule(float, ">= 0 and < 1", lambda v: 0 <= v < 1),
        "patience": Rule(int, ">= 0", lambda v: v >= 0), "threshold": AT_LEAST_0,
        "threshold_mode": Rule(str, "'rel' or 'abs'", lambda v: v in ("rel", "abs")),
        "cooldown": Rule(int, ">= 0", lambda v: v >= 0), "eps": AT_LEAST_0,
        "min_lrs": AT_LEAST_0._replace(size=0),
    }  # fmt: skip
    _counters = {
        "best": NUMBER, "num_bad_epochs": INTEGER, "cooldown_counter": INTEGER,
        "last_epoch": INTEGER, "_last_lr": LRS,
    }  # fmt: skip

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8,
                 ) -> None:  # fmt: skip
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got {optimizer!r}")
        count = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * count
        if len(min_lrs) != count:
            raise ValueError(f"ReduceLROnPlateau: expected {count} min_lrs, got {len(min_lrs)}")
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.min_lrs: list[float] = min_lrs
        self._attach(optimizer)
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

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
