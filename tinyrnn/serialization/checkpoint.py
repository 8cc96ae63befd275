"""save/load: one .npz checkpoint holding everything needed to resume training exactly.

The file is the zip of .npy members `np.savez` writes (`np.load(path)` can inspect it):

    metadata.npy                        uint8 array: UTF-8 JSON {"format": "tinyrnn-checkpoint",
                                        "version": 1, "classes": {"optimizer": "Adam", ...},
                                        "contents": {"model", "optimizer", "scheduler", "rng",
                                        "hidden", "step", "extra"}} (arrays as references)
    model/0.cell.weight_ih.npy          model.state_dict(), one member per parameter
    optimizer/state/0/exp_avg.npy       arrays of optimizer.state_dict() (PyTorch's layout)
    scheduler/..., rng/state/key.npy    arrays inside those states, if any (MT19937's key)
    hidden/0.npy, hidden/1/0.npy        h_n of each stateful module (a tuple: one per part)
    extra/...                           arrays inside `extra`, if any

Saving writes exactly `path` atomically. Loading checks, before reading any array data, the
zip and every member's header (`reader`), a size budget (all members together at most 16 x
the model's parameter bytes + 64 MiB), the JSON, then every name, shape and dtype against the
live objects (`checks`), all problems in one ValueError; then reads the data, tries each
object's own loader on a copy, and only then changes the real objects. Any failure raises
ValueError (OSError if the file cannot be opened) and leaves every object as it was.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import secrets
import zipfile
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from ..module import Module
from ..optim import Optimizer
from . import checks
from .format import encode
from .reader import FORMAT, METADATA, VERSION, CheckpointFile

_REJECTED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


class _Generator:
    """A Generator's bit-generator state behind state_dict()/load_state_dict(), as the others."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.bit_generator = rng.bit_generator

    def state_dict(self) -> dict[str, Any]:
        return dict(self.bit_generator.state)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.bit_generator.state = state


def _parts(optimizer: Any, scheduler: Any, rng: Any) -> dict[str, Any]:
    """{"optimizer", "scheduler", "rng": object with state_dict()/load_state_dict()}, if given."""
    parts = {"optimizer": optimizer, "scheduler": scheduler, "rng": rng and _Generator(rng)}
    return {what: part for what, part in parts.items() if part is not None}


def _state(model: Module, parts: dict[str, Any]) -> dict[str, Any]:
    """Everything a load restores: parameters, carried hidden states, the parts' states."""
    hidden = {name: module.h_n for name, module in checks.stateful_modules(model).items()}
    return {"model": model.state_dict(), "hidden": hidden} | {
        what: part.state_dict() for what, part in parts.items()
    }


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
    parts = _parts(optimizer, scheduler, rng)
    contents = dict.fromkeys(("optimizer", "scheduler", "rng")) | _state(model, parts)
    contents |= {"step": step, "extra": extra}
    arrays: dict[str, np.ndarray] = {}
    tree = {key: encode(value, key, arrays) for key, value in contents.items()}
    classes = dict.fromkeys(("optimizer", "scheduler"))
    classes |= {what: type(part).__name__ for what, part in parts.items() if what != "rng"}
    metadata = {"format": FORMAT, "version": VERSION, "classes": classes, "contents": tree}
    text = np.frombuffer(json.dumps(metadata).encode("utf-8"), np.uint8)
    _write_atomically(os.fspath(path), {METADATA: text, **arrays})


def _write_atomically(path: str, arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed .npz at exactly `path`: all of the new file, or the old one untouched.

    Written to a temporary file in the same folder (O_EXCL with a random name clobbers nothing;
    mode 0o666 minus the umask, like open()), fsynced, renamed over `path`, and removed on any
    failure, KeyboardInterrupt included; then the folder is fsynced where the platform can.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        # Through a file object: NumPy never sees the name, so it appends no ".npz".
        with os.fdopen(os.open(temp, flags, 0o666), "wb") as file:
            with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
                for name, array in arrays.items():
                    with archive.open(name + ".npy", "w", force_zip64=True) as member:
                        npy_format.write_array(member, array, allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # not possible on Windows
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


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
    path, parts = os.fspath(path), _parts(optimizer, scheduler, rng)
    with CheckpointFile(path) as file:
        declared = sum(math.prod(shape) * dtype.itemsize for shape, dtype in file.declared.values())
        limit = 16 * sum(param.data.nbytes for param in model.parameters()) + 64 * 2**20
        if declared > limit:
            raise ValueError(f"{path}: declares {declared} bytes of arrays (limit {limit})")
        problems = checks.problems(
            file.contents(data=False), file.metadata["classes"], model, parts, strict
        )
        if problems:
            raise ValueError(f"Error(s) in loading checkpoint {path}:\n  " + "\n  ".join(problems))
        contents = file.contents(data=True)
    # Each part's own loader runs first on a copy (the Parameters are shared: a load leaves them).
    trials = copy.deepcopy(parts, {id(param): param for param in model.parameters()})
    for what, trial in trials.items():
        try:
            trial.load_state_dict(contents[what])
        except _REJECTED as error:
            raise ValueError(
                f"{path}: {what}: the checkpoint's state was rejected: {error}"
            ) from error
    backup = _state(model, parts)
    try:
        _put(contents, model, parts, strict)
    except BaseException:  # not expected after the checks above; then undo every change
        _put(backup, model, parts, strict=False)
        raise
    return {"step": contents.get("step"), "extra": contents.get("extra")}


def _put(state: dict[str, Any], model: Module, parts: dict[str, Any], strict: bool) -> None:
    model.load_state_dict(state["model"], strict=strict)
    for what, part in parts.items():
        part.load_state_dict(state[what])
    modules = checks.stateful_modules(model)
    for name, h_n in state.get("hidden", {}).items():
        if name in modules:
            modules[name].h_n = h_n
