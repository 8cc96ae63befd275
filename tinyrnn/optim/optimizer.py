"""Optimizer: the base class every optimizer shares (parameter groups, state, state_dict)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from ..parameter import Parameter
from ._values import (
    check_real,
    checked_entries,
    checked_hyperparameters,
    param_index,
    parameter_list,
    plain,
)

# How the hyperparameters are called in error messages (PyTorch's words); others "<name> value".
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


class Optimizer:
    """`Optimizer(params, defaults)`: base class; `params` are Parameters or group dicts
    (`{"params": [...], "lr": 0.1}`), `defaults` the hyperparameters a group does not set.

    Holds `param_groups` (dicts of "params" plus hyperparameters) and per-parameter `state`.

    A subclass passes its defaults, lists the hyperparameters that must be real numbers >= 0 in
    `_nonnegative` and the boolean ones in `_flags`, names the entries of a parameter's state in
    `_state_names`, and writes its update rule in `_update(param, state, group)`, which changes
    `param.data` in place from the g of `_gradient` and never writes into `param.grad`.
    """

    _nonnegative: ClassVar[tuple[str, ...]] = ("lr",)
    _flags: ClassVar[tuple[str, ...]] = ()
    _state_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Parameter, dict[str, Any]] = {}
        self._workspace: dict[np.dtype[Any], np.ndarray] = {}
        self._check_group(defaults)
        items: list[Any] = [params] if isinstance(params, Parameter) else list(params)
        if not items:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for group in items if isinstance(items[0], Mapping) else [{"params": items}]:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group: {"params": [...], optional hyperparameters overriding the defaults}."""
        name = type(self).__name__
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry")
        params = parameter_list(group["params"], name)
        unknown = sorted(set(group) - set(self.defaults) - {"params", "initial_lr"})
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameter(s) {unknown}")
        if {id(p) for p in params} & {id(p) for p in self._params()}:
            raise ValueError(f"{name}: a parameter appears in more than one group")
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_group(full)
        full["params"] = list({id(p): p for p in params}.values())
        self.param_groups.append(full)

    def _check_group(self, group: Mapping[str, Any]) -> None:
        """Raise TypeError/ValueError naming the optimizer and the bad value (subclasses extend)."""
        name = type(self).__name__
        for key in self._nonnegative:
            check_real(name, _LABELS.get(key, f"{key} value"), group[key])
        for key in self._flags:
            if not isinstance(group[key], (bool, np.bool_)):
                raise TypeError(f"{name}: {key} must be True or False, got {group[key]!r}")

    def _required_state(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        """The entries a parameter's state holds once it has any, under `group`'s settings."""
        return self._state_names

    def _update(self, param: Parameter, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _gradient(self, param: Parameter, weight_decay: float) -> tuple[np.ndarray, np.ndarray]:
        """-> (g, work): g = grad + weight_decay * theta (the L2 penalty; `.grad` itself, never
        to be written into, when the decay is 0), and a work array shaped like the parameter.
        Both are views of one buffer per dtype, kept between steps so that they allocate nothing
        (it grows to twice the largest parameter)."""
        data = param.data
        buffer = self._workspace.get(data.dtype)
        if buffer is None or buffer.shape[1] < data.size:
            buffer = self._workspace[data.dtype] = np.empty((2, data.size), data.dtype)
        decayed, work = (half.reshape(data.shape) for half in buffer[:, : data.size])
        if weight_decay == 0:
            return param.grad, work
        np.multiply(data, weight_decay, out=decayed)
        decayed += param.grad
        return decayed, work

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Update every parameter from its `.grad` (call after backward); -> closure's loss."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for param in group["params"]:
                self._update(param, self.state.setdefault(param, {}), group)
        return loss

    def zero_grad(self) -> None:
        """Reset the gradients of every parameter this optimizer updates."""
        for param in self._params():
            param.grad.fill(0)

    def _params(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: ndarray copy or number}}, "param_groups": [...]}, as PyTorch.

        Indices count the parameters through the groups in order; every value is a plain Python
        number, bool, string, tuple or list, or an ndarray (ready for a .npz or JSON file).
        """
        index = {id(p): i for i, p in enumerate(self._params())}
        groups = []
        for group in self.param_groups:
            saved = {k: plain(v) for k, v in group.items() if k != "params"}
            groups.append({**saved, "params": [index[id(p)] for p in group["params"]]})
        state = {}
        for param, entries in self.state.items():
            if entries and id(param) in index:  # copies: later steps must not change them
                state[index[id(param)]] = {
                    key: value.copy() if isinstance(value, np.ndarray) else plain(value)
                    for key, value in entries.items()
                }
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`; everything is checked first, and on error nothing changes."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        if set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                f"{who}: expected keys 'state' and 'param_groups', got {sorted(state_dict)}"
            )
        hyperparameters, owners = self._checked_groups(state_dict["param_groups"], who)
        saved = state_dict["state"]
        if not isinstance(saved, Mapping):
            raise TypeError(f"{who}: 'state' must be a dict, got {type(saved).__name__}")
        state: dict[Parameter, dict[str, Any]] = {}
        for key, entries in saved.items():
            i = param_index(key, f"{who}: state")
            if i not in owners:
                raise ValueError(f"{who}: state for parameter {i}, which no parameter group lists")
            param, g = owners[i]
            required = self._required_state(hyperparameters[g])
            where = f"{who}: state[{i}]"
            if loaded := checked_entries(entries, param, self._state_names, required, where):
                state[param] = loaded
        for group, values in zip(self.param_groups, hyperparameters, strict=True):
            params, initial_lr = group["params"], group.get("initial_lr")
            group.clear()
            group.update(values)
            if initial_lr is not None:  # a scheduler's, kept if the checkpoint has none
                group.setdefault("initial_lr", initial_lr)
            group["params"] = params
        self.state = state

    def _checked_groups(
        self, groups: Any, who: str
    ) -> tuple[list[dict[str, Any]], dict[int, tuple[Parameter, int]]]:
        """-> (the hyperparameters of each group, {saved index: (parameter, group number)})."""
        own = self.param_groups
        if not isinstance(groups, (list, tuple)) or len(groups) != len(own):
            count = len(groups) if isinstance(groups, (list, tuple)) else type(groups).__name__
            raise ValueError(f"{who}: the checkpoint has {count} parameter groups, here {len(own)}")
        hyperparameters, owners = [], {}
        for g, (saved, group) in enumerate(zip(groups, own, strict=True)):
            where = f"{who}: param_groups[{g}]"
            if not isinstance(saved, Mapping) or "params" not in saved:
                raise TypeError(f"{where}: expected a dict with a 'params' entry")
            listed = saved["params"]
            listed = listed.tolist() if isinstance(listed, np.ndarray) else listed
            indices, params = [param_index(i, where) for i in listed], group["params"]
            if len(indices) != len(params):
                raise ValueError(
                    f"{where}: {len(indices)} parameters in the checkpoint, here {len(params)}"
                )
            for i, param in zip(indices, params, strict=True):
                if i in owners:
                    raise ValueError(f"{where}: parameter index {i} appears twice")
                owners[i] = (param, g)
            values = checked_hyperparameters(saved, self.defaults, where)
            try:
                self._check_group(values)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{where}: {error}") from None
            hyperparameters.append(values)
        return hyperparameters, owners

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {plain(group[k])}" for k in sorted(group) if k != "params"]
        return "\n".join([*lines, ")"])
