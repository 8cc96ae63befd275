"""An optimizer's state_dict in PyTorch's layout, and its validation before any load."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..parameter import Parameter
from ._hyper import coerce_like, plain

if TYPE_CHECKING:
    from .optimizer import Optimizer


def export_state_dict(optimizer: Optimizer) -> dict[str, Any]:
    """{"state": {index: {name: array copy or number}}, "param_groups": [{..., "params": [i]}]}."""
    index = {id(p): i for i, p in enumerate(optimizer._all_params())}
    groups = []
    for group in optimizer.param_groups:
        saved = {k: plain(v) for k, v in group.items() if k != "params"}
        saved["params"] = [index[id(p)] for p in group["params"]]
        groups.append(saved)
    state = {
        index[id(p)]: {
            k: (v.copy() if isinstance(v, np.ndarray) else plain(v)) for k, v in s.items()
        }
        for p, s in optimizer.state.items()
        if s and id(p) in index
    }
    return {"state": dict(sorted(state.items())), "param_groups": groups}


def _index(key: Any, where: str) -> int:
    """A parameter index as saved: an int, a NumPy integer, or its decimal string (JSON keys)."""
    key = plain(key)
    if isinstance(key, str) and key.isdigit():
        return int(key)
    if isinstance(key, bool) or not isinstance(key, numbers.Integral):
        raise TypeError(f"{where}: parameter indices must be integers, got {key!r}")
    return int(key)


def _step_count(value: Any, where: str) -> int:
    value = plain(value)
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not value >= 0 or value != int(value):
        raise ValueError(f"{where}: expected a step count (an integer >= 0), got {value!r}")
    return int(value)


def _state_array(value: Any, param: Parameter, where: str) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(f"{where}: expected a float or integer ndarray, got {kind}")
    if value.shape != param.data.shape:
        raise ValueError(
            f"{where}: size mismatch, checkpoint {value.shape}, parameter {param.data.shape}"
        )
    return value.astype(param.data.dtype, copy=True)


def _checked_groups(
    optimizer: Optimizer, groups: Any, who: str
) -> tuple[list[dict[str, Any]], dict[int, tuple[Parameter, int]]]:
    """Hyperparameters per group, and {saved index: (parameter, group number)}."""
    own_groups = optimizer.param_groups
    if not isinstance(groups, (list, tuple)) or len(groups) != len(own_groups):
        count = len(groups) if isinstance(groups, (list, tuple)) else type(groups).__name__
        raise ValueError(
            f"{who}: the checkpoint has {count} parameter groups, here {len(own_groups)}"
        )
    hyperparameters: list[dict[str, Any]] = []
    id_map: dict[int, tuple[Parameter, int]] = {}
    for g, (saved, own) in enumerate(zip(groups, own_groups, strict=True)):
        where = f"{who}: param_groups[{g}]"
        if not isinstance(saved, Mapping) or "params" not in saved:
            raise TypeError(f"{where}: expected a dict with a 'params' entry")
        ids = saved["params"]
        ids = [_index(i, where) for i in (ids.tolist() if isinstance(ids, np.ndarray) else ids)]
        if len(ids) != len(own["params"]):
            raise ValueError(
                f"{where}: {len(ids)} parameters in the checkpoint, here {len(own['params'])}"
            )
        for i, param in zip(ids, own["params"], strict=True):
            if i in id_map:
                raise ValueError(f"{where}: parameter index {i} appears twice")
            id_map[i] = (param, g)
        keys = set(saved) - {"params"}
        unknown = sorted(keys - set(optimizer.defaults) - {"initial_lr"})
        missing = sorted(set(optimizer.defaults) - keys)
        if unknown or missing:
            raise ValueError(f"{where}: unknown hyperparameters {unknown}, missing {missing}")
        values = {
            k: coerce_like(saved[k], optimizer.defaults.get(k, 0.0), f"{where}['{k}']")
            for k in keys
        }
        try:
            optimizer._check_hyperparameters(dict(values))
        except (TypeError, ValueError) as error:
            raise type(error)(f"{where}: {error}") from None
        hyperparameters.append(values)
    return hyperparameters, id_map


def checked_state_dict(
    optimizer: Optimizer, state_dict: Any
) -> tuple[list[dict[str, Any]], dict[Parameter, dict[str, Any]]]:
    """Validate everything; -> (hyperparameters per group, new state). Changes nothing."""
    who = f"{type(optimizer).__name__}.load_state_dict"
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
    if set(state_dict) != {"state", "param_groups"}:
        raise ValueError(
            f"{who}: expected keys 'state' and 'param_groups', got {sorted(state_dict)}"
        )
    hyperparameters, id_map = _checked_groups(optimizer, state_dict["param_groups"], who)
    saved_state = state_dict["state"]
    if not isinstance(saved_state, Mapping):
        raise TypeError(f"{who}: 'state' must be a dict, got {type(saved_state).__name__}")
    known = set(optimizer._state_arrays) | ({"step"} if optimizer._has_step else set())
    new_state: dict[Parameter, dict[str, Any]] = {}
    for key, values in saved_state.items():
        i = _index(key, f"{who}: state")
        if i not in id_map:
            raise ValueError(f"{who}: state for parameter {i}, which no parameter group lists")
        param, g = id_map[i]
        where = f"{who}: state[{i}]"
        if not isinstance(values, Mapping):
            raise TypeError(f"{where}: expected a dict, got {type(values).__name__}")
        unknown = sorted(set(values) - known)
        missing = sorted(set(optimizer._required_state(hyperparameters[g])) - set(values))
        if values and (unknown or missing):
            raise ValueError(f"{where}: unknown entries {unknown}, missing {missing}")
        entry = {
            k: _step_count(v, f"{where}['step']")
            if k == "step"
            else _state_array(v, param, f"{where}['{k}']")
            for k, v in values.items()
        }
        if entry:
            new_state[param] = entry
    return hyperparameters, new_state
