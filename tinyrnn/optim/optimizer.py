"""Optimizer: the base class every optimizer shares (parameter groups, state, state_dict)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from ..parameter import Parameter
from ._hyper import check_real, plain
from ._state_io import checked_state_dict, export_state_dict

# One entry per parameter, built once and reused by every step: the parameter, its state dict
# (the very dict in `optimizer.state`: its entries may be edited, and replacing the whole
# `optimizer.state` or adding a group rebuilds the slots) and two scratch arrays. The scratch
# arrays are views into one workspace per dtype, sized for the largest parameter, so a step
# allocates nothing and the workspace costs two copies of the largest parameter at most.
Slot = tuple[Parameter, dict[str, Any], np.ndarray, np.ndarray]


class Optimizer:
    """`Optimizer(params, defaults)`: base class; `params` are Parameters or group dicts
    (`{"params": [...], "lr": 0.1}`), `defaults` the hyperparameters a group does not set.

    Holds `param_groups` (dicts of "params" plus hyperparameters) and per-parameter `state`.

    A subclass sets its defaults, checks a group's hyperparameters in `_check_hyperparameters`,
    names its per-parameter state in `_state_arrays` (arrays of the parameter's shape) and
    `_required_state`, and implements `_step_group(group, slots)`, which updates every
    parameter of one group in place from its `.grad` without allocating new arrays.
    """

    _state_arrays: ClassVar[tuple[str, ...]] = ()
    _has_step: ClassVar[bool] = False

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Parameter, dict[str, Any]] = {}
        self._slots: list[list[Slot]] | None = None
        self._slots_state: dict[Parameter, dict[str, Any]] | None = None
        self._check_hyperparameters(dict(defaults))
        items: list[Any] = [params] if isinstance(params, Parameter) else list(params)
        if not items:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = items if isinstance(items[0], Mapping) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group: {"params": [...], optional hyperparameters overriding the defaults}."""
        name = type(self).__name__
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Parameter) else list(params)
        for param in params:
            if not isinstance(param, Parameter):
                raise TypeError(f"{name}: expected Parameters, got {type(param).__name__}")
        unknown = sorted(set(group) - set(self.defaults) - {"params", "initial_lr"})
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameter(s) {unknown}")
        seen = {id(p) for existing in self.param_groups for p in existing["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: a parameter appears in more than one group")
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_hyperparameters(full)
        full["params"] = list({id(p): p for p in params}.values())
        self.param_groups.append(full)
        self._slots = None

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError naming the optimizer and the bad value (subclasses extend)."""
        check_real(type(self).__name__, group, "lr", "learning rate", low=0.0)

    def _required_state(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        """State entries a parameter of `group` must have once it has any state at all."""
        return (("step",) if self._has_step else ()) + self._state_arrays

    def _step_group(self, group: dict[str, Any], slots: list[Slot]) -> None:
        raise NotImplementedError

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update every parameter from its `.grad` (call after backward); -> closure's loss."""
        loss = closure() if closure is not None else None
        slots = self._slots
        if (
            slots is None
            or self._slots_state is not self.state
            or len(slots) != len(self.param_groups)
        ):
            slots = self._build_slots()
        for i, group in enumerate(self.param_groups):
            group_slots = slots[i]
            if len(group_slots) != len(group["params"]):  # a group edited in place
                slots = self._build_slots()
                group_slots = slots[i]
            self._step_group(group, group_slots)
        return loss

    def _build_slots(self) -> list[list[Slot]]:
        largest: dict[np.dtype[Any], np.ndarray] = {}
        for param in self._all_params():
            best = largest.get(param.data.dtype)
            if best is None or param.data.size > best.size:
                largest[param.data.dtype] = param.data
        workspaces = {
            dtype: [np.empty_like(data, shape=(data.size,)) for _ in range(2)]
            for dtype, data in largest.items()
        }
        slots: list[list[Slot]] = []
        for group in self.param_groups:
            group_slots: list[Slot] = []
            for param in group["params"]:
                state = self.state.setdefault(param, {})
                data = param.data
                first, second = (w[: data.size].reshape(data.shape) for w in workspaces[data.dtype])
                group_slots.append((param, state, first, second))
            slots.append(group_slots)
        self._slots, self._slots_state = slots, self.state
        return slots

    def zero_grad(self) -> None:
        """Reset the gradients of every parameter this optimizer updates."""
        for group in self.param_groups:
            for param in group["params"]:
                param.grad.fill(0)

    def _all_params(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: ndarray copy or number}}, "param_groups": [...]}, as PyTorch.

        Indices count the parameters through the groups in order; every value is a plain Python
        number, bool, string, tuple or list, or an ndarray (ready for a .npz or JSON file).
        """
        return export_state_dict(self)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`; everything is checked first, and on error nothing changes."""
        hyperparameters, state = checked_state_dict(self, state_dict)
        for group, saved in zip(self.param_groups, hyperparameters, strict=True):
            params = group["params"]
            initial_lr = group.get("initial_lr")
            group.clear()
            group.update(saved)
            if initial_lr is not None and "initial_lr" not in saved:
                group["initial_lr"] = initial_lr
            group["params"] = params
        self.state = state
        self._slots = None

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {plain(group[key])}")
        lines.append(")")
        return "\n".join(lines)
