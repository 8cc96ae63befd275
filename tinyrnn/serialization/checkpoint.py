"""save/load: one .npz checkpoint holding everything needed to resume training exactly.

Saving writes exactly `path` (no ".npz" is appended) atomically: a temporary file in the same
folder, fsynced, then renamed over `path`; if anything fails the previous file stays intact.
Bad arguments or unsavable values raise TypeError before any file is touched.

File layout: a zip of .npy members, the layout `np.savez` writes (`np.load(path)` can inspect
it; `np.savez_compressed` repacks load too). Member names are paths:

    metadata.npy                        uint8 array: UTF-8 JSON, described below
    model/0.cell.weight_ih.npy          model.state_dict(), one member per parameter
    optimizer/state/0/exp_avg.npy       each array of optimizer.state_dict()["state"]
    scheduler/..., rng/state/key.npy    arrays inside those states, if any (MT19937's key)
    hidden/0.npy, hidden/1/0.npy        h_n of each stateful module (a tuple: one per part;
                                        "hidden/.npy" when the model itself is stateful)
    extra/...                           arrays inside `extra`, if any

The JSON is {"format": "tinyrnn-checkpoint", "version": 1, "classes": {"optimizer": "Adam",
"scheduler": "StepLR"}, "contents": {...}}; "contents" holds "model", "optimizer" (PyTorch's
layout: {"state": {0: {...}}, "param_groups": [...]}), "scheduler", "rng"
(`bit_generator.state`), "hidden" {module name: state}, "step" and "extra", with every array
replaced by a reference to its member and tuples, int keys and NumPy scalars tagged
(`tinyrnn.serialization.format`). There are no object arrays and no pickles.

Loading reads no array data before everything declared was checked: the zip and each
member's .npy header (`safe_npz`, `npy_header`), a size budget (all members together at most
16 x the model's parameter bytes + 64 MiB), the JSON (`metadata`), then every name, shape and
dtype against the live model, optimizer, scheduler, generator and stateful modules (`checks`,
`checks_training`); all those problems are reported in one ValueError. Then the data is read,
each object's own `load_state_dict` is tried on a copy (`apply`), and only then are the real
objects changed. Any failure raises ValueError (OSError if the file cannot be opened) and
leaves every object exactly as it was.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..module import Module
from ..optim import Optimizer
from . import apply, checks, checks_training
from .atomic import write_npz
from .format import encode
from .metadata import METADATA, decode_contents, metadata_member, read_metadata
from .safe_npz import SafeNpzReader


def save(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer | None = None,
    *,
    scheduler: Any = None,
    rng: np.random.Generator | None = None,
    step: int | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Write model, optimizer, scheduler, rng state, hidden states, step and extra to `path`."""
    if not isinstance(model, Module):
        raise TypeError(f"save: model must be a Module, got {type(model).__name__}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"save: rng must be a np.random.Generator, got {type(rng).__name__}")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        raise TypeError(f"save: step must be an int or None, got {type(step).__name__}")
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"save: extra must be a dict or None, got {type(extra).__name__}")
    hidden = {name: module.h_n for name, module in checks.stateful_modules(model).items()}
    contents: dict[str, Any] = {"model": model.state_dict(), "hidden": hidden}
    contents["optimizer"] = optimizer.state_dict() if optimizer is not None else None
    contents["scheduler"] = scheduler.state_dict() if scheduler is not None else None
    contents["rng"] = rng.bit_generator.state if rng is not None else None
    contents.update(step=step, extra=extra)
    arrays: dict[str, np.ndarray] = {}
    tree = {key: encode(value, key, arrays) for key, value in contents.items()}
    classes = {"optimizer": _class_name(optimizer), "scheduler": _class_name(scheduler)}
    write_npz(path, {METADATA: metadata_member(tree, classes), **arrays})


def load(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer | None = None,
    *,
    scheduler: Any = None,
    rng: np.random.Generator | None = None,
    strict: bool = True,
) -> dict[str, Any]:
    """Restore what `save` wrote into the given objects (all or nothing) -> {"step", "extra"}.

    `strict=False` tolerates missing/unexpected parameter names and hidden states (as
    `Module.load_state_dict`). Objects passed as None are not restored.
    """
    path = os.fspath(path)
    with SafeNpzReader(path) as npz:
        declared_bytes = sum(header.nbytes for header in npz.headers.values())
        limit = 16 * sum(param.data.nbytes for param in model.parameters()) + 64 * 2**20
        if declared_bytes > limit:
            raise ValueError(f"{path}: declares {declared_bytes} bytes of arrays (limit {limit})")
        metadata = read_metadata(npz)
        tree, classes = metadata["contents"], metadata["classes"]

        def declared(name: str, scalar: bool) -> Any:
            header = npz.headers[name]
            if scalar and header.shape != ():
                raise ValueError(f"member {name!r} should hold a scalar, has shape {header.shape}")
            return header.dtype.type(0) if scalar else header

        declared_contents = decode_contents(path, tree, declared, set(npz.headers) - {METADATA})
        problems = _problems(declared_contents, classes, model, optimizer, scheduler, rng, strict)
        if problems:
            raise ValueError(f"Error(s) in loading checkpoint {path}:\n  " + "\n  ".join(problems))

        arrays = {name: npz.read(name) for name in npz.headers if name != METADATA}

        def stored(name: str, scalar: bool) -> Any:
            return arrays[name][()] if scalar else arrays[name]

        contents = decode_contents(path, tree, stored, set(arrays))
    try:
        apply.dry_run(contents, optimizer, scheduler, rng)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error
    apply.apply(contents, model, optimizer, scheduler, rng, strict)
    return {"step": contents.get("step"), "extra": contents.get("extra")}


def _class_name(obj: Any) -> str | None:
    return None if obj is None else type(obj).__name__


def _problems(
    contents: dict[str, Any],
    classes: dict[str, Any],
    model: Module,
    optimizer: Optimizer | None,
    scheduler: Any,
    rng: np.random.Generator | None,
    strict: bool,
) -> list[str]:
    problems = checks.check_model(model, contents["model"], strict)
    problems += checks.check_hidden(model, contents.get("hidden", {}), strict)
    for what, obj, check in (
        ("optimizer", optimizer, checks_training.check_optimizer),
        ("scheduler", scheduler, checks_training.check_scheduler),
    ):
        if obj is not None:
            saved = contents.get(what)
            named = checks_training.check_named(what, type(obj).__name__, classes.get(what), saved)
            problems += named or check(obj, saved)
    if rng is not None:
        problems += checks_training.check_rng(rng, contents.get("rng"))
    step, extra = contents.get("step"), contents.get("extra")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        problems.append(f"step: expected an int or None, got {step!r}")
    if extra is not None and not isinstance(extra, dict):
        problems.append(f"extra: expected a dict or None, got {type(extra).__name__}")
    return problems
