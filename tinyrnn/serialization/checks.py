"""Checks of a checkpoint's contents against the live objects, run before any data is read.

They see the *declared* contents: each array is still its `NpyHeader` (shape and dtype, no
data) and each NumPy scalar a zero of its dtype, so every mismatch is found, and reported
together, before a byte of array data is read or anything is changed. Each returns problems.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from ..module import Module
from .npy_header import NpyHeader


def stateful_modules(model: Module) -> dict[str, Any]:
    """{dotted name: module} of the modules carrying a hidden state between forwards."""
    return {
        name: module
        for name, module in model.named_modules()
        if getattr(module, "stateful", False) is True and hasattr(module, "h_n")
    }


def compatible(own: Any, saved: Any) -> bool:
    """Could `saved` replace `own` (same kind of value, same structure)? None fits anything."""
    if own is None or saved is None:
        return True
    if isinstance(own, (bool, np.bool_)) or isinstance(saved, (bool, np.bool_)):
        return isinstance(own, (bool, np.bool_)) and isinstance(saved, (bool, np.bool_))
    if isinstance(own, Real):
        return isinstance(saved, Real)
    if isinstance(own, (list, tuple)):  # either: Adam(betas=[...]) keeps the list it was given
        return (
            isinstance(saved, (list, tuple))
            and len(saved) == len(own)
            and all(compatible(a, b) for a, b in zip(own, saved, strict=True))
        )
    if isinstance(own, dict):
        return (
            isinstance(saved, dict)
            and saved.keys() == own.keys()
            and all(compatible(own[key], saved[key]) for key in own)
        )
    if isinstance(own, np.ndarray):
        return isinstance(saved, NpyHeader) and (saved.shape, saved.dtype) == (own.shape, own.dtype)
    return isinstance(saved, type(own))


def check_model(model: Module, saved: Any, strict: bool) -> list[str]:
    """Names (missing/unexpected when strict), shapes and dtypes of the parameters."""
    if not isinstance(saved, dict):
        return ["model: expected a dict of arrays"]
    own = dict(model.named_parameters())
    problems = []
    missing = [name for name in own if name not in saved]
    unexpected = [name for name in saved if name not in own]
    if strict and missing:
        problems.append("missing keys in the checkpoint: " + ", ".join(missing))
    if strict and unexpected:
        problems.append("unexpected keys in the checkpoint: " + ", ".join(unexpected))
    for name, param in own.items():
        value = saved.get(name)
        if value is None:
            continue
        if not isinstance(value, NpyHeader):
            problems.append(f"{name}: expected an array, got {type(value).__name__}")
        elif value.shape != param.shape:
            problems.append(
                f"size mismatch for {name}: checkpoint {value.shape}, model {param.shape}"
            )
        elif value.dtype != param.dtype:
            problems.append(
                f"dtype mismatch for {name}: checkpoint {value.dtype}, model {param.dtype}"
            )
    return problems


def check_hidden(model: Module, saved: Any, strict: bool) -> list[str]:
    """One entry per stateful module: None, an array (batch, ...) or a tuple of such arrays."""
    modules = stateful_modules(model)
    if not isinstance(saved, dict):
        return ["hidden: expected a dict of hidden states"]
    problems = []
    missing = [name or "(model)" for name in modules if name not in saved]
    unexpected = [name or "(model)" for name in saved if name not in modules]
    if strict and missing:
        problems.append("missing hidden states of stateful modules: " + ", ".join(missing))
    if strict and unexpected:
        problems.append("hidden states for modules that are not stateful: " + ", ".join(unexpected))
    for name, module in modules.items():
        value = saved.get(name)
        if value is not None and not _hidden_fits(module, value):
            dtypes = sorted({str(param.dtype) for param in module.parameters()})
            problems.append(
                f"hidden state of {name or '(model)'} does not fit: checkpoint "
                f"{_describe(value)}, module hidden_size {getattr(module, 'hidden_size', '?')} "
                f"and dtype {'/'.join(dtypes) or 'any'}"
            )
    return problems


def _describe(value: Any) -> str:
    if isinstance(value, NpyHeader):
        return f"{value.shape} {value.dtype}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_describe(part) for part in value) + ")"
    return type(value).__name__


def _hidden_fits(module: Module, value: Any) -> bool:
    parts = value if isinstance(value, tuple) else (value,)
    if not parts or not all(isinstance(part, NpyHeader) and part.shape for part in parts):
        return False
    dtypes = {param.dtype for param in module.parameters()} or {part.dtype for part in parts}
    batch = parts[0].shape[0]
    if any(part.shape[0] != batch or part.dtype not in dtypes for part in parts):
        return False
    hidden_size = getattr(module, "hidden_size", None)
    single = isinstance(value, NpyHeader) and isinstance(hidden_size, int)
    return not single or value.shape == (batch, hidden_size)
