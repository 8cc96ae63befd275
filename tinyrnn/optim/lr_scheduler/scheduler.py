"""LRScheduler, the base of the learning-rate schedulers (PyTorch's chainable form), and the
epoch-based schedules StepLR, ExponentialLR and CosineAnnealingLR."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

from .._values import plain
from ..optimizer import Optimizer

# Internal flags of torch's schedulers; accepted (and ignored) by load_state_dict so that a
# state_dict written by torch loads too.
_TORCH_FLAGS = frozenset({"_is_initial", "_get_lr_called_within_step", "verbose"})


def check_number(who: str, label: str, value: Any, low: float = 0.0, integer: bool = False) -> Any:
    """A setting must be a real number (an int if `integer`) >= low; -> it, else Type/ValueError."""
    kind: Any = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        wanted = "an integer" if integer else "a real number"
        raise TypeError(f"{who}: {label} must be {wanted}, got {value!r}")
    if not value >= low:
        raise ValueError(f"{who}: {label} must be >= {low}, got {value!r}")
    return value


class LRScheduler:
    """`LRScheduler(optimizer)`: base class of the schedulers; call `step()` once per epoch.

    Sets every parameter group's "lr" at each `step()`; subclasses implement `get_lr()`.

    As in PyTorch, the constructor records each group's starting lr as "initial_lr" (the
    `base_lrs`) and takes the first step (epoch 0), and `get_lr()` derives the next lrs from the
    groups' current ones, so schedulers can be chained. Call `scheduler.step()` after
    `optimizer.step()`. `state_dict()` holds plain numbers and lists only; the lrs themselves
    live in the optimizer's state_dict, so save and restore both.
    """

    # The constructor's settings (attributes, kept in the state_dict): the numeric ones map to
    # (lowest value, int or float), the others to None and are checked by the subclass.
    _settings: ClassVar[dict[str, tuple[float, type] | None]] = {}

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {optimizer!r}")
        self._check_settings({key: getattr(self, key) for key in self._settings})
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        """Raise Type/ValueError for bad constructor settings (subclasses add their own)."""
        for key, bounds in self._settings.items():
            if bounds is not None:
                check_number(type(self).__name__, key, settings[key], bounds[0], bounds[1] is int)

    def get_lr(self) -> list[float]:
        """The lr of every group for epoch `last_epoch` (already incremented by `step`)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and write the new lrs into the optimizer's groups."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lrs the last `step()` set, one per parameter group."""
        return list(self._last_lr)

    def _state_keys(self) -> tuple[str, ...]:
        return (*self._settings, "base_lrs", "last_epoch", "_step_count", "_last_lr")

    def state_dict(self) -> dict[str, Any]:
        """{setting or counter: number, string or list of numbers}; JSON-serialisable."""
        return {key: plain(getattr(self, key)) for key in self._state_keys()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore `state_dict()`; checked first, nothing changes on error."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        keys = set(self._state_keys())
        unknown = sorted(set(state_dict) - keys - _TORCH_FLAGS)
        missing = sorted(keys - set(state_dict))
        if unknown or missing:
            raise ValueError(f"{who}: unknown keys {unknown}, missing {missing}")
        values = {key: self._checked(key, plain(state_dict[key]), f"{who}: {key}") for key in keys}
        try:
            self._check_settings(values)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{who}: {error}") from None
        self.__dict__.update(values)

    def _checked(self, key: str, value: Any, where: str) -> Any:
        """One state_dict value, converted to the type of the current one; else an error."""
        current = getattr(self, key)
        if isinstance(current, list):
            value = value.tolist() if hasattr(value, "tolist") else value
            if not isinstance(value, (list, tuple)) or len(value) != len(current):
                raise ValueError(
                    f"{where}: expected a list of {len(current)} numbers, got {value!r}"
                )
            return [check_number(where, "each entry", v, low=-math.inf) for v in value]
        if isinstance(current, str):
            if not isinstance(value, str):
                raise TypeError(f"{where}: expected a string, got {value!r}")
            return value
        integer = isinstance(current, numbers.Integral)
        if integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        return check_number(where, "the value", value, low=-math.inf, integer=integer)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._settings)
        return f"{type(self).__name__}({settings}, last_epoch={self.last_epoch})"


class StepLR(LRScheduler):
    """`StepLR(optimizer, step_size, gamma=0.1)`: lr times `gamma` every `step_size` epochs
    (call `step()` once per epoch).

    lr = base_lr * gamma^(epoch // step_size), applied as one multiplication per decay.
    """

    _settings = {"step_size": (1, int), "gamma": (0.0, float)}

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

    _settings = {"gamma": (0.0, float)}

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

    _settings = {"T_max": (1, int), "eta_min": (0.0, float)}

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
