"""Export to and import from PyTorch state dicts (torch itself is optional, imported lazily)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..module import IncompatibleKeys, Module
from .structure import Part, model_parts


def _import_torch(who: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(f"{who} needs PyTorch (pip install torch)") from None
    return torch


def _prefixes(
    parts: list[Part], prefixed: bool, prefixes: Sequence[str] | None, who: str
) -> list[str]:
    if prefixes is None:
        return [f"{part.position}." if prefixed else "" for part in parts]
    if isinstance(prefixes, str) or len(prefixes) != len(parts):
        found = ", ".join(f"{part.torch_type} at {part.position}" for part in parts)
        raise ValueError(
            f"{who}: prefixes must be a sequence with one name per part; the model has "
            f"{len(parts)} part(s): {found}"
        )
    return [f"{prefix}." if prefix else "" for prefix in prefixes]


def _names(model: Module, prefixes: Sequence[str] | None, who: str) -> dict[str, str]:
    parts, prefixed = model_parts(model, who)
    names: dict[str, str] = {}
    for part, prefix in zip(parts, _prefixes(parts, prefixed, prefixes, who), strict=True):
        names.update({ours: prefix + theirs for ours, theirs in part.names.items()})
    return {name: names[name] for name, _ in model.named_parameters()}


def torch_parameter_names(
    model: Module, *, prefixes: Sequence[str] | None = None
) -> dict[str, str]:
    """{tinyrnn parameter name: torch parameter name}, in the model's parameter order."""
    return _names(model, prefixes, "torch_parameter_names")


def to_torch_state_dict(
    model: Module, *, prefixes: Sequence[str] | None = None, tensors: bool = True
) -> dict[str, Any]:
    """{torch name: torch.Tensor (tensors=True, needs torch) or np.ndarray copy}, same dtype."""
    params = dict(model.named_parameters())
    arrays = {
        theirs: params[ours].data.copy()
        for ours, theirs in _names(model, prefixes, "to_torch_state_dict").items()
    }
    if not tensors:
        return arrays
    torch = _import_torch("to_torch_state_dict(tensors=True)")
    return {name: torch.from_numpy(array) for name, array in arrays.items()}


# NumPy holds float16, float32 and float64; torch's other floating dtypes (bfloat16, the
# float8 types) are widened to float64 first, which holds each of their values exactly, so the
# cast to the model's dtype rounds once, as it does for the others.
_NUMPY_FLOATS = ("torch.float16", "torch.float32", "torch.float64")


def _to_numpy(value: Any) -> np.ndarray | str:
    """The real numbers in `value` (a tensor on any device, an array, nested lists), or why not."""
    if hasattr(value, "detach") and hasattr(value, "is_floating_point"):  # a torch.Tensor
        tensor = value.detach()
        if tensor.is_complex():
            return f"expected real numbers, got dtype {tensor.dtype}"
        try:
            if tensor.is_floating_point() and str(tensor.dtype) not in _NUMPY_FLOATS:
                tensor = tensor.double()
            value = tensor.cpu().numpy()
        except (TypeError, RuntimeError, ValueError) as error:
            return f"cannot be read as an array: {error}"
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        return f"cannot be read as an array: {error}"
    if array.dtype.kind not in "fiu":
        return f"expected real numbers, got dtype {array.dtype}"
    return array


def load_torch_state_dict(
    model: Module,
    state_dict: Mapping[str, Any],
    *,
    prefixes: Sequence[str] | None = None,
    strict: bool = True,
) -> IncompatibleKeys:
    """Copy a torch state dict (tensors or arrays) into `model`, cast to its dtype.

    Checks names (all of them when `strict`) and shapes first; on error nothing changes.
    Returns the torch names missing from `state_dict` and those the model has no use for.
    """
    names = _names(model, prefixes, "load_torch_state_dict")
    params = dict(model.named_parameters())
    missing = [theirs for theirs in names.values() if theirs not in state_dict]
    unexpected = [key for key in state_dict if key not in set(names.values())]
    problems = []
    if strict and missing:
        problems.append("missing keys: " + ", ".join(missing))
    if strict and unexpected:
        problems.append("unexpected keys: " + ", ".join(unexpected))
    values: dict[str, np.ndarray] = {}
    for ours, theirs in names.items():
        if theirs not in state_dict:
            continue
        value = _to_numpy(state_dict[theirs])
        if isinstance(value, str):
            problems.append(f"{theirs} (tinyrnn {ours}): {value}")
        elif value.shape != params[ours].shape:
            problems.append(
                f"size mismatch for {theirs} (tinyrnn {ours}): torch {tuple(value.shape)}, "
                f"model {params[ours].shape}"
            )
        else:
            values[ours] = value.astype(params[ours].dtype)
    if problems:
        raise ValueError(
            f"Error(s) in load_torch_state_dict for {type(model).__name__}:\n  "
            + "\n  ".join(problems)
        )
    model.load_state_dict(values, strict=False)
    return IncompatibleKeys(missing, unexpected)
