"""evaluating(model): run a model for inference and leave it exactly as it was afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._config import get_default_dtype
from ..module import Module, no_grad


def is_recurrent(module: Module) -> bool:
    """True for a layer that can carry its state between calls (`stateful` + `reset_state()`)."""
    return hasattr(module, "stateful") and callable(getattr(module, "reset_state", None))


def is_causal(model: Module) -> bool:
    """False if any module's output at step t may depend on later steps (e.g. Bidirectional).

    A layer declares this with a class attribute `causal = False`; `Bidirectional` is also
    recognised by name. Only a causal model can be decoded one step at a time.
    """
    return not any(
        getattr(module, "causal", True) is False or type(module).__name__ == "Bidirectional"
        for module in model.modules()
    )


def model_dtype(model: Module) -> np.dtype[Any]:
    """The dtype of the model's first parameter (the library default if it has none)."""
    for param in model.parameters():
        return param.data.dtype
    return get_default_dtype()


@contextlib.contextmanager
def evaluating(model: Module, *, stateful: bool | None = None) -> Iterator[Module]:
    """`with evaluating(model): ...` runs under `no_grad()` with every module in eval mode.

    With `stateful=True`/`False`, every recurrent layer (see `is_recurrent`) is switched to that
    mode and starts from a fresh state (`reset_state()`); `None` leaves the flags alone. On exit
    (also after an error) everything is put back: each module's `training` flag, each recurrent
    layer's `stateful` flag and every `h_n` (the same object as before); `no_grad` keeps the
    pending forward caches as they were, so a training step in progress or a carried TBPTT
    state is undisturbed.
    """
    if not isinstance(model, Module):
        raise TypeError(f"expected a tinyrnn Module, got {type(model).__name__}")
    modules = list(model.modules())
    training = [module.training for module in modules]
    # Typed Any: the recurrent protocol (stateful, reset_state, h_n) is duck-typed.
    recurrent: list[Any] = [module for module in modules if is_recurrent(module)]
    flags = [layer.stateful for layer in recurrent]
    # Every module's last state, also of containers like Bidirectional that are not stateful.
    states = [(module, vars(module)["h_n"]) for module in modules if "h_n" in vars(module)]
    try:
        model.eval()
        if stateful is not None:
            for layer in recurrent:
                layer.stateful = stateful
                layer.reset_state()
        with no_grad():
            yield model
    finally:
        for module, mode in zip(modules, training, strict=True):
            module.training = mode
        for layer, flag in zip(recurrent, flags, strict=True):
            layer.stateful = flag
        for module, h_n in states:
            vars(module)["h_n"] = h_n
