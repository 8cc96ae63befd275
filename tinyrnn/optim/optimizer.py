"""Optimizer: the base class every optimizer shares (parameter groups, state, state_dict)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..parameter import Parameter


class Optimizer:
    """Holds `param_groups` (dicts of "params" plus hyperparameters) and per-parameter `state`.

    Subclasses set their defaults, check them with `_check_hyperparameters`, and implement
    `_update(param, group, state)`, which changes `param.data` in place from `param.grad`.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Parameter, dict[str, Any]] = {}
        items = list(params)
        if not items:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = items if isinstance(items[0], Mapping) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group: {"params": [...], optional hyperparameters overriding the defaults}."""
        name = type(self).__name__
        params = group["params"]
        params = [params] if isinstance(params, Parameter) else list(params)
        for param in params:
            if not isinstance(param, Parameter):
                raise TypeError(f"{name}: expected Parameters, got {type(param).__name__}")
        seen = {id(p) for existing in self.param_groups for p in existing["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: a parameter appears in more than one group")
        unique = list({id(p): p for p in params}.values())
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_hyperparameters(full)
        full["params"] = unique
        self.param_groups.append(full)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError naming the optimizer and the bad value (subclasses extend)."""
        name = type(self).__name__
        for key in ("lr", "weight_decay", "momentum", "eps"):
            if key in group and not group[key] >= 0.0:
                raise ValueError(f"{name}: invalid {key} {group[key]} (must be >= 0)")

    def _update(self, param: Parameter, group: dict[str, Any], state: dict[str, Any]) -> None:
        raise NotImplementedError

    def step(self) -> None:
        """Update every parameter from its `.grad` (call after backward)."""
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = {}
                self._update(param, group, state)

    def zero_grad(self) -> None:
        """Reset the gradients of every parameter this optimizer updates."""
        for group in self.param_groups:
            for param in group["params"]:
                param.grad.fill(0)

    def _all_params(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: array or number}}, "param_groups": [...]}, as PyTorch."""
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = []
        for group in self.param_groups:
            saved = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            saved["params"] = [index[id(p)] for p in group["params"]]
            groups.append(saved)
        state = {
            index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`; checks groups and state shapes before changing anything."""
        name = type(self).__name__
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the number of parameter groups differs")
        params = self._all_params()
        for saved, own in zip(groups, self.param_groups, strict=True):
            if len(saved.get("params", [])) != len(own["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: a parameter group has {len(saved['params'])} "
                    f"parameters in the state_dict, {len(own['params'])} here"
                )
        new_state: dict[Parameter, dict[str, Any]] = {}
        for key, values in state_dict.get("state", {}).items():
            i = int(key)
            if not 0 <= i < len(params):
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {i}")
            param = params[i]
            for field, value in values.items():
                if isinstance(value, np.ndarray) and value.shape != param.data.shape:
                    raise ValueError(
                        f"{name}.load_state_dict: size mismatch for state {i}.{field}: "
                        f"checkpoint {value.shape}, parameter {param.data.shape}"
                    )
            new_state[param] = {
                k: (v.astype(param.data.dtype, copy=True) if isinstance(v, np.ndarray) else v)
                for k, v in values.items()
            }
        for saved, own in zip(groups, self.param_groups, strict=True):
            for k, v in saved.items():
                if k != "params":
                    own[k] = copy.deepcopy(v)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
