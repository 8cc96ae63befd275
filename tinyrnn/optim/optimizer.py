"""Optimizer, the base every optimizer shares (parameter groups, state, state_dict), and the
checks of hyperparameters and saved values that the schedulers share too."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, NamedTuple

import numpy as np

from ..parameter import Parameter


class Rule(NamedTuple):
    """What a hyperparameter or setting must be: of `kind` (float, int, bool or str) and pass
    `test`, which `bound` says in words; with a `size`, a list of that many such values."""

    kind: type
    bound: str
    test: Callable[[Any], bool] = lambda value: True
    size: int | None = None


NONNEGATIVE = Rule(float, "finite and >= 0", lambda v: 0 <= v < math.inf)
FINITE = Rule(float, "finite", math.isfinite)
FLAG = Rule(bool, "True or False")
INTEGER = Rule(int, "an integer")
# A saved step count; a whole float is fine (torch saves it as one).
_STEP = Rule(float, "a whole number >= 0", lambda v: v >= 0 and float(v).is_integer())
# The Python types each kind accepts (never bool for numbers), and their name in errors.
_KINDS = {
    float: (numbers.Real, "a real number"), int: (numbers.Integral, "an integer"),
    bool: (bool, "True or False"), str: (str, "a string"),
}  # fmt: skip
# Names of hyperparameters in error messages (PyTorch's words).
_LABELS = {"lr": "learning rate", "eps": "epsilon value", "betas": "beta parameter"}


def plain(value: Any) -> Any:
    """NumPy scalars and 0-d arrays -> Python numbers, recursively through tuples and lists."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    return value


def checked(who: str, name: str, value: Any, rule: Rule) -> Any:
    """-> `value` as a plain Python value (a list if `rule.size`), if it obeys `rule`; else a
    TypeError (wrong kind) or ValueError (wrong value) naming `who`, `name` and the value."""
    value = plain(value.tolist() if isinstance(value, np.ndarray) else value)
    label = _LABELS.get(name, name)
    if rule.size is not None:
        sequence = isinstance(value, (list, tuple))
        if not sequence or len(value) != rule.size:
            error = ValueError if sequence else TypeError
            raise error(f"{who}: {name} must be a list of {rule.size} numbers, got {value!r}")
        one = rule._replace(size=None)
        return [checked(who, f"{label} at index {i}", v, one) for i, v in enumerate(value)]
    types, wanted = _KINDS[rule.kind]
    if not isinstance(value, types) or (isinstance(value, bool) and rule.kind is not bool):
        raise TypeError(f"{who}: {label} must be {wanted}, got {value!r}")
    if not rule.test(value):  # NaN fails every numeric test
        raise ValueError(f"{who}: invalid {label} {value!r} (must be {rule.bound})")
    return value


def check_keys(who: str, saved: Any, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    """A loaded dict must hold every `required` key, and others only from `optional`."""
    if not isinstance(saved, Mapping):
        raise TypeError(f"{who}: expected a dict, got {type(saved).__name__}")
    unknown = sorted(set(saved) - set(required) - set(optional))
    missing = sorted(set(required) - set(saved))
    if unknown or missing:
        raise ValueError(f"{who}: unknown keys {unknown}, missing {missing}")


def parameter_list(params: Any, who: str) -> list[Parameter]:
    """One Parameter or an iterable of them -> a list, else TypeError naming `who`."""
    params = [params] if isinstance(params, Parameter) else list(params)
    for param in params:
        if not isinstance(param, Parameter):
            raise TypeError(f"{who}: expected Parameters, got {type(param).__name__}")
    return params


class Optimizer:
    """`Optimizer(params, defaults)`: base class; `params` are Parameters or group dicts
    (`{"params": [...], "lr": 0.1}`), `defaults` the hyperparameters a group does not set.

    Holds `param_groups` (dicts of "params" plus hyperparameters) and per-parameter `state`.

    A subclass passes its defaults, gives each hyperparameter's Rule in `_rules`, maps each
    entry of a parameter's state to the hyperparameter that must be nonzero for the entry to
    exist (None: always) in `_state_names`, and writes its update rule in
    `_update(param, state, group)`, which changes `param.data` in place from the g of
    `_gradient` and never writes into `param.grad`.
    """

    _rules: ClassVar[dict[str, Rule]] = {"lr": NONNEGATIVE}
    _state_names: ClassVar[dict[str, str | None]] = {}

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = self._checked_group(defaults, type(self).__name__)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Parameter, dict[str, Any]] = {}
        self._workspace: dict[np.dtype[Any], np.ndarray] = {}
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
        full = self._checked_group({**self.defaults, **group}, name)
        self.param_groups.append({**full, "params": list({id(p): p for p in params}.values())})

    def _checked_group(self, group: Mapping[str, Any], who: str) -> dict[str, Any]:
        """A group's hyperparameters (without "params") checked against `_rules` (a scheduler's
        "initial_lr" too), as plain values, lists as tuples; subclasses add joint checks."""
        rules = {"initial_lr": FINITE, **self._rules}
        values = {}
        for key, value in group.items():
            if key != "params":
                value = checked(who, key, value, rules[key]) if key in rules else value
                values[key] = tuple(value) if isinstance(value, list) else value
        return values

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
        work = buffer[1, : data.size].reshape(data.shape)
        if weight_decay == 0:
            return param.grad, work
        decayed = buffer[0, : data.size].reshape(data.shape)
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
        check_keys(who, state_dict, ("state", "param_groups"))
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        own = self.param_groups
        listed = isinstance(saved_groups, (list, tuple))
        if not listed or len(saved_groups) != len(own):
            count = len(saved_groups) if listed else type(saved_groups).__name__
            raise ValueError(f"{who}: the checkpoint has {count} parameter groups, here {len(own)}")
        groups, owners = [], {}  # owners: saved index -> (parameter, its group's values)
        for g, (saved, group) in enumerate(zip(saved_groups, own, strict=True)):
            where, params = f"{who}: param_groups[{g}]", group["params"]
            check_keys(where, saved, ("params", *self.defaults), ("initial_lr",))
            values = self._checked_group(saved, where)
            if "initial_lr" in group:  # a scheduler's, kept if the checkpoint has none
                values.setdefault("initial_lr", group["initial_lr"])
            indices = [_index(i, where) for i in saved["params"]]
            if len(indices) != len(params):
                raise ValueError(
                    f"{where}: {len(indices)} parameters in the checkpoint, here {len(params)}"
                )
            for i, param in zip(indices, params, strict=True):
                if i in owners:
                    raise ValueError(f"{where}: parameter index {i} appears twice")
                owners[i] = (param, values)
            groups.append({**values, "params": params})
        if not isinstance(saved_state, Mapping):
            raise TypeError(f"{who}: 'state' must be a dict, got {type(saved_state).__name__}")
        state = {}
        for key, entries in saved_state.items():
            i = _index(key, f"{who}: state")
            if i not in owners:
                raise ValueError(f"{who}: state for parameter {i}, which no parameter group lists")
            if loaded := self._checked_state(entries, *owners[i], f"{who}: state[{i}]"):
                state[owners[i][0]] = loaded
        for group, values in zip(own, groups, strict=True):  # in place: others hold the dicts
            group.clear()
            group.update(values)
        self.state = state

    def _checked_state(
        self, entries: Any, param: Parameter, group: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        """One parameter's saved state (nothing, or every entry `group` needs): "step" a whole
        number, the others real arrays of the parameter's shape, copied into its dtype."""
        needs = [k for k, flag in self._state_names.items() if flag is None or group[flag]]
        if not isinstance(entries, Mapping) or entries:  # an empty state is fine
            check_keys(where, entries, needs, self._state_names)
        loaded: dict[str, Any] = {}
        for key, value in entries.items():
            here = f"{where}['{key}']"
            if key == "step":
                loaded[key] = int(checked(here, key, value, _STEP))
            elif not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
                kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
                raise TypeError(f"{here}: expected a float or integer ndarray, got {kind}")
            elif value.shape != param.data.shape:
                shape = param.data.shape
                raise ValueError(
                    f"{here}: size mismatch, checkpoint {value.shape}, parameter {shape}"
                )
            else:
                loaded[key] = value.astype(param.data.dtype, copy=True)
        return loaded

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {plain(group[k])}" for k in sorted(group) if k != "params"]
        return "\n".join([*lines, ")"])


def _index(key: Any, where: str) -> int:
    """A parameter index as saved: an integer, or its decimal string (a JSON key)."""
    return checked(where, "parameter index", int(key) if str(key).isdigit() else key, INTEGER)
