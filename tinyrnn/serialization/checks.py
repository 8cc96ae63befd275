"""A checkpoint's declared contents against the live objects -> every problem, as text.

Arrays here are stand-ins of their declared shape and dtype (no data read yet), so every
mismatch is found, and reported together, before anything is read or changed.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from ..module import Module


def stateful_modules(model: Module) -> dict[str, Any]:
    """{dotted name: module} of the modules carrying a hidden state between forwards."""
    return {
        name: module
        for name, module in model.named_modules()
        if getattr(module, "stateful", False) is True and hasattr(module, "h_n")
    }


def fits(own: Any, saved: Any) -> bool:
    """Could `saved` replace `own`: same kind of value, structure, shape, dtype? None fits all."""
    if own is None or saved is None:
        return True
    if isinstance(own, (bool, np.bool_)) or isinstance(saved, (bool, np.bool_)):
        return isinstance(own, (bool, np.bool_)) and isinstance(saved, (bool, np.bool_))
    if isinstance(own, dict):
        return (
            isinstance(saved, dict)
            and saved.keys() == own.keys()
            and all(fits(own[k], saved[k]) for k in own)
        )
    if isinstance(own, (list, tuple)):  # either: Adam(betas=[...]) keeps the list it was given
        return (
            isinstance(saved, (list, tuple))
            and len(saved) == len(own)
            and all(map(fits, own, saved))
        )
    if isinstance(own, np.ndarray):
        same = isinstance(saved, np.ndarray) and saved.shape == own.shape
        return same and saved.dtype == own.dtype
    return isinstance(saved, Real if isinstance(own, Real) else type(own))


def problems(
    contents: dict[str, Any],
    classes: dict[str, Any],
    model: Module,
    parts: dict[str, Any],
    strict: bool,
) -> list[str]:
    """`parts` are the given optimizer, scheduler and rng (`bit_generator`) by those names."""
    found = _model(model, contents["model"], strict)
    found += _hidden(model, contents.get("hidden"), strict)
    for what, part in parts.items():
        saved, kind = contents.get(what), type(part).__name__
        if what == "rng":
            held = saved.get("bit_generator") if isinstance(saved, dict) else None
            kind = type(part.bit_generator).__name__
            if held != kind:
                found.append(f"rng: the checkpoint holds a {held} state, the generator uses {kind}")
        elif saved is None:
            found.append(f"{what}: the checkpoint holds no {what} state")
        elif classes.get(what) != kind:
            found.append(f"{what}: the checkpoint holds a {classes.get(what)} state, not {kind}")
        else:
            found += _optimizer(part, saved) if what == "optimizer" else _scheduler(part, saved)
    step, extra = contents.get("step"), contents.get("extra")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        found.append(f"step: expected an int or None, got {step!r}")
    if extra is not None and not isinstance(extra, dict):
        found.append(f"extra: expected a dict or None, got {type(extra).__name__}")
    return found


def _names(own: Any, saved: Any, missing: str, unexpected: str) -> list[str]:
    """'missing: a, b' and 'unexpected: c' for names in only one of them; "(model)": the root."""
    lists = {
        missing: [n for n in own if n not in saved],
        unexpected: [n for n in saved if n not in own],
    }
    return [
        f"{label}: {', '.join(n or '(model)' for n in names)}"
        for label, names in lists.items()
        if names
    ]


def _model(model: Module, saved: Any, strict: bool) -> list[str]:
    if not isinstance(saved, dict):
        return ["model: expected a dict of arrays"]
    own = dict(model.named_parameters())
    found = _names(
        own, saved, "missing keys in the checkpoint", "unexpected keys in the checkpoint"
    )
    found = found if strict else []
    for name in [name for name in own if name in saved]:
        value, param = saved[name], own[name]
        if not isinstance(value, np.ndarray):
            found.append(f"{name}: expected an array, got {type(value).__name__}")
        elif value.shape != param.shape:
            found.append(f"size mismatch for {name}: checkpoint {value.shape}, model {param.shape}")
        elif value.dtype != param.dtype:
            found.append(
                f"dtype mismatch for {name}: checkpoint {value.dtype}, model {param.dtype}"
            )
    return found


def _hidden(model: Module, saved: Any, strict: bool) -> list[str]:
    """Each saved state: an array (batch, hidden_size) or a tuple of arrays (batch, ...)."""
    if not isinstance(saved, dict):
        return ["hidden: expected a dict of hidden states"]
    modules = stateful_modules(model)
    found = _names(
        modules,
        saved,
        "missing hidden states of stateful modules",
        "hidden states for modules that are not stateful",
    )
    found = found if strict else []
    for name, module in ((name, m) for name, m in modules.items() if saved.get(name) is not None):
        value, size = saved[name], getattr(module, "hidden_size", None)
        parts = value if isinstance(value, tuple) else (value,)
        dtypes = {param.dtype for param in module.parameters()}
        arrays = [part for part in parts if isinstance(part, np.ndarray) and part.ndim > 0]
        if (
            len(arrays) != len(parts)
            or len({part.shape[0] for part in arrays}) != 1
            or (dtypes and not {part.dtype for part in arrays} <= dtypes)
            or (
                not isinstance(value, tuple)
                and isinstance(size, int)
                and value.shape[1:] != (size,)
            )
        ):
            held = ", ".join(
                f"{p.shape} {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
                for p in parts
            )
            dtype = "/".join(sorted(map(str, dtypes))) or "any"
            found.append(
                f"hidden state of {name or '(model)'} does not fit: checkpoint {held}, "
                f"module hidden_size {size} and dtype {dtype}"
            )
    return found


def _optimizer(optimizer: Any, saved: Any) -> list[str]:
    """PyTorch's layout {"state": {index: {...}}, "param_groups": [...]} fits this optimizer."""
    own = optimizer.state_dict()
    if not isinstance(saved, dict) or saved.keys() != own.keys():
        return ["optimizer: expected a dict with keys 'state' and 'param_groups'"]
    groups, own_groups = saved["param_groups"], own["param_groups"]
    if not isinstance(groups, list) or len(groups) != len(own_groups):
        count = len(groups) if isinstance(groups, list) else "no list of"
        return [f"optimizer: {count} parameter groups in the checkpoint, {len(own_groups)} here"]
    found = []
    for i, (group, own_group) in enumerate(zip(groups, own_groups, strict=True)):
        if not isinstance(group, dict) or group.get("params") != own_group["params"]:
            found.append(f"optimizer: group {i} should list parameters {own_group['params']}")
            continue
        for key, value in own_group.items():
            if key not in group or not fits(value, group[key]):
                found.append(
                    f"optimizer: group {i}: {key}={group.get(key)!r} does not fit {value!r}"
                )
    if not isinstance(saved["state"], dict):
        return [*found, "optimizer: 'state' must be a dict"]
    # Numbered through the groups in order, as in state_dict() (`param_groups` is public).
    params = [param.data for group in optimizer.param_groups for param in group["params"]]
    for index, fields in saved["state"].items():
        if (
            not isinstance(index, int)
            or not 0 <= index < len(params)
            or not isinstance(fields, dict)
        ):
            found.append(f"optimizer: state for unknown parameter {index!r} (or not a dict)")
            continue
        for field, value in fields.items():
            if isinstance(value, np.ndarray) and not fits(params[index], value):
                found.append(
                    f"optimizer: mismatch for state {index}.{field}: checkpoint {value.shape} "
                    f"{value.dtype}, parameter {params[index].shape} {params[index].dtype}"
                )
    return found


def _scheduler(scheduler: Any, saved: Any) -> list[str]:
    """Same keys as `scheduler.state_dict()`, each value of the same kind and structure."""
    own = scheduler.state_dict()
    if not isinstance(saved, dict):
        return ["scheduler: expected a dict"]
    missing, unexpected = [k for k in own if k not in saved], [k for k in saved if k not in own]
    found = [f"scheduler: missing keys {missing}"] if missing else []
    found += [f"scheduler: unexpected keys {unexpected}"] if unexpected else []
    wrong = [key for key in own if key in saved and not fits(own[key], saved[key])]
    return found + [f"scheduler: {key}={saved[key]!r} does not fit {own[key]!r}" for key in wrong]
