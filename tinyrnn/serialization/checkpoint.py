"""save/load: one .npz checkpoint holding everything needed to resume training exactly.

The file is the zip of .npy members `np.savez` writes: "metadata" (uint8 UTF-8 JSON: format,
version, the optimizer's and scheduler's classes, and the contents "model", "optimizer",
"scheduler", "rng", "hidden", "step", "extra" as `format` trees), then each array at its path:
"model/0.cell.weight_ih", "optimizer/state/0/exp_avg", "hidden/0" (an h_n), "extra/...".

`load` reads the file defensively (`reader`), then tries every part with its owner's own
checks on deep copies (`load_state_dict`; an h_n as its module checks an h0), reports all
problems in one ValueError, and only then loads the real objects: all or nothing.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import secrets
from typing import Any

import numpy as np

from ..module import Module
from ..optim import Optimizer
from .format import encode
from .reader import FORMAT, METADATA, VERSION, read

_CLASSES = ("optimizer", "scheduler")  # the parts whose class the metadata names

_REJECTED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


class _Generator:
    """A Generator's bit-generator state behind state_dict()/load_state_dict(), as the others."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.bit_generator = rng.bit_generator

    def state_dict(self) -> dict[str, Any]:
        return dict(self.bit_generator.state)

    def load_state_dict(self, state: Any) -> None:
        try:
            self.bit_generator.state = state
        except _REJECTED as error:  # NumPy's words alone can be obscure ("operand type(s) for //")
            raise ValueError(
                f"unusable {type(self.bit_generator).__name__} state: {error}"
            ) from None


class _Hidden:
    """The `h_n` stateful modules carry between forwards, behind state_dict()/load_state_dict()."""

    def __init__(self, model: Module) -> None:
        modules = model.named_modules()
        self.modules: dict[str, Any] = {
            n: m for n, m in modules if getattr(m, "stateful", False) is True and hasattr(m, "h_n")
        }

    def state_dict(self) -> dict[str, Any]:
        return {name: module.h_n for name, module in self.modules.items()}

    def load_state_dict(self, saved: Any, strict: bool = True) -> None:
        """Each state checked as its module checks an h0 (`initial_state`), then all set."""
        if not isinstance(saved, dict):
            raise TypeError(f"expected a dict of hidden states, got {type(saved).__name__}")
        names = {
            "missing hidden states of stateful modules": set(self.modules) - set(saved),
            "hidden states for modules that are not stateful": set(saved) - set(self.modules),
        }
        problems = [
            f"{problem}: {', '.join(sorted(n or '(model)' for n in found))}"
            for problem, found in names.items()
            if found and strict
        ]
        hidden = {name: saved[name] for name in self.modules if name in saved}
        for name, state in hidden.items():
            try:  # RNN.initial_state(x, h0) checks an h0 for a batch of x's size
                if state is not None:
                    batch = np.shape(state[0] if isinstance(state, tuple) else state)[0]
                    like = np.empty((batch, 0, 0), getattr(self.modules[name], "dtype", None))
                    hidden[name] = self.modules[name].initial_state(like, state)
            except _REJECTED as error:
                problems.append(f"hidden state of {name or '(model)'} does not fit: {error}")
        if problems:
            raise ValueError("\n".join(problems))
        for name, state in hidden.items():
            self.modules[name].h_n = state


def _targets(model: Module, optimizer: Any, scheduler: Any, rng: Any) -> dict[str, Any]:
    """{part name: object with state_dict()/load_state_dict()}, for the objects given."""
    rng = None if rng is None else _Generator(rng)
    targets = {"model": model, "optimizer": optimizer, "scheduler": scheduler, "rng": rng}
    targets["hidden"] = _Hidden(model)
    return {what: target for what, target in targets.items() if target is not None}


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
    targets = _targets(model, optimizer, scheduler, rng)
    contents = dict.fromkeys(("optimizer", "scheduler", "rng"))
    contents |= {what: target.state_dict() for what, target in targets.items()}
    arrays: dict[str, np.ndarray] = {}
    tree = {key: encode(value, key, arrays) for key, value in contents.items()}
    tree |= {"step": step, "extra": encode(extra, "extra", arrays)}
    classes = {what: type(targets[what]).__name__ if what in targets else None for what in _CLASSES}
    metadata = {"format": FORMAT, "version": VERSION, "classes": classes, "contents": tree}
    text = np.frombuffer(json.dumps(metadata).encode("utf-8"), np.uint8)
    _write_atomically(os.fspath(path), {METADATA: text, **arrays})


def _write_atomically(path: str, arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed .npz at exactly `path`: all of the new file, or the old one untouched.

    A temporary file in the same folder (O_EXCL and a random name clobber nothing; mode 0o666
    minus the umask, as open()) is fsynced and renamed over `path`, or removed on any failure.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:  # a file object: NumPy never sees the name, so it appends no ".npz"
        with os.fdopen(os.open(temp, flags, 0o666), "wb") as file:
            # Every array is plain numbers (`encode` refuses others), so nothing is pickled;
            # savez takes no allow_pickle before NumPy 2.1 (it would store it as an array).
            np.savez(file, **arrays)  # type: ignore[arg-type]  # (stubs fear a key "allow_pickle")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:  # KeyboardInterrupt included
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # the rename made durable; not possible on Windows
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
    `Module.load_state_dict`). Objects passed as None are not restored. At most 16 x the
    model's parameter bytes + 64 MiB of arrays are read.
    """
    path, targets = os.fspath(path), _targets(model, optimizer, scheduler, rng)
    limit = 16 * sum(param.data.nbytes for param in model.parameters()) + 64 * 2**20
    classes, contents = read(path, limit)
    options, problems = {"model": {"strict": strict}, "hidden": {"strict": strict}}, []
    for what, trial in copy.deepcopy(targets).items():  # each owner's checks, on a copy
        saved, kind = contents.get(what), type(getattr(trial, "bit_generator", trial)).__name__
        held = classes.get(what, kind)
        if what == "rng":
            held = saved.get("bit_generator") if isinstance(saved, dict) else None
        if saved is None:
            problems.append(f"{what}: the checkpoint holds no {what} state")
        elif held != kind:
            problems.append(f"{what}: the checkpoint holds a {held} state, not {kind}")
        else:
            try:
                trial.load_state_dict(saved, **options.get(what, {}))
            except _REJECTED as error:
                problems.append(f"{what}: {error}")
    step, extra = contents.get("step"), contents.get("extra")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        problems.append(f"step: expected an int or None, got {step!r}")
    if extra is not None and not isinstance(extra, dict):
        problems.append(f"extra: expected a dict or None, got {type(extra).__name__}")
    if problems:
        lines = "".join("\n  " + problem.replace("\n", "\n  ") for problem in problems)
        raise ValueError(f"Error(s) in loading checkpoint {path}:{lines}")
    backup = {what: target.state_dict() for what, target in targets.items()}
    loaded = []
    try:
        for what, target in targets.items():
            target.load_state_dict(contents[what], **options.get(what, {}))
            loaded.append(what)
    except BaseException:  # not expected after the trials; then undo every change
        for what in loaded:
            targets[what].load_state_dict(backup[what])
        raise
    return {"step": step, "extra": extra}
