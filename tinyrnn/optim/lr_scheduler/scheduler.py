"""LRScheduler: the base class of the learning-rate schedulers (PyTorch's chainable form)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

from .._hyper import plain
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

    _settings: ClassVar[tuple[str, ...]] = ()  # constructor arguments kept in the state_dict

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {optimizer!r}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

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
        values = {key: self._checked(key, plain(state_dict[key]), who) for key in keys}
        try:
            self._check_settings(values)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{who}: {error}") from None
        self.__dict__.update(values)

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        """Raise Type/ValueError for bad constructor settings (subclasses override)."""

    def _checked(self, key: str, value: Any, who: str) -> Any:
        """One state_dict value, converted to the type of the current one; else an error."""
        current = getattr(self, key)
        where = f"{who}: {key}"
        if isinstance(current, list):
            if hasattr(value, "tolist"):
                value = value.tolist()
            if not isinstance(value, (list, tuple)) or len(value) != len(current):
                raise ValueError(
                    f"{where}: expected a list of {len(current)} numbers, got {value!r}"
                )
            return [check_number(where, "each entry", v, low=-float("inf")) for v in value]
        if isinstance(current, str):
            if not isinstance(value, str):
                raise TypeError(f"{where}: expected a string, got {value!r}")
            return value
        integer = isinstance(current, numbers.Integral)
        if integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        return check_number(where, "the value", value, low=-float("inf"), integer=integer)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._settings)
        return f"{type(self).__name__}({settings}, last_epoch={self.last_epoch})"
