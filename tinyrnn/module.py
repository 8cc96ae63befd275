"""Module: the base class of every layer, loss and cell (explicit forward and backward)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .parameter import Parameter

if TYPE_CHECKING:
    from .summary import ModelSummary


# Grad mode is per thread, as in PyTorch: a `no_grad()` block in one thread (say, validation)
# must not make a training step running in another thread skip its caches.
class _GradMode(threading.local):
    enabled: bool = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside `tinyrnn.no_grad()`: modules cache what backward needs only then."""
    return _grad_mode.enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Context manager: forward calls inside it keep no caches (inference, validation, sampling)."""
    previous = _grad_mode.enabled
    _grad_mode.enabled = False
    try:
        yield
    finally:
        _grad_mode.enabled = previous


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped: names missing from or unknown to the model."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """`Module()`: subclass it to write a layer: call `super().__init__()`, keep Parameters and
    sub-modules in attributes, define `forward` (caching what backward needs) and `backward`.

    Parameters and sub-modules are found by walking the instance's public attributes
    (a `Parameter`, a `Module`, or a list/tuple of Modules), in assignment order, so there is
    no registration step to forget. Attributes whose names start with `_` are private.

    `needs_input_grad` (default True): set it to False on a model, or on the layer that reads
    the data, when nothing needs dL/d(input), as PyTorch skips that gradient for an input that
    does not require grad. The built-in layers' `backward` then returns None and skips that work
    (one GEMM per layer); parameter gradients are unchanged. It is not part of `state_dict`.
    """

    needs_input_grad: bool = True

    def __init__(self) -> None:
        self.training = True
        # Caches of forward calls awaiting their backward: last in, first out.
        self._saved: list[Any] = []

    # ----------------------------------------------------------------- calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the output; cache what `backward` needs (unless inside `no_grad`)."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def backward(self, grad_output: Any) -> Any:
        """Return the gradient w.r.t. the input of the matching forward; add into `.grad`s."""
        raise NotImplementedError(f"{type(self).__name__} does not define backward()")

    def save_for_backward(self, item: Any) -> None:
        """Cache `item` for the matching backward; a no-op inside `tinyrnn.no_grad()`."""
        if _grad_mode.enabled:
            self._saved.append(item)

    def pop_saved(self) -> Any:
        """The cache of the most recent forward not yet consumed by a backward."""
        if not self._saved:
            raise RuntimeError(
                f"{type(self).__name__}.backward() called with no pending forward: call forward "
                "first (outside tinyrnn.no_grad()), once for every backward"
            )
        return self._saved.pop()

    @property
    def pending_backwards(self) -> int:
        """How many forward caches of this module (not its children) await their backward."""
        return len(self._saved)

    def clear_saved(self) -> None:
        """Drop the pending forward caches of this module and its children (no backward follows)."""
        for module in self.modules():
            module._saved.clear()

    # ------------------------------------------------------------- traversal
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names (`items.0` for lists)."""
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{index}", item

    def children(self) -> Iterator[Module]:
        """Direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant once each, with dotted names (this one is `prefix`).

        A module reachable twice (a shared layer, or a reference back to a parent) is listed
        under its first name only, as in PyTorch, so a cycle cannot recurse forever.
        """
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module.named_children()
            ]
            stack.extend(reversed(children))  # depth first, in registration order

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every Parameter once, in registration order, named like PyTorch (`0.cell.weight_ih`)."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and not name.startswith("_"):
                    if id(value) not in seen:
                        seen.add(id(value))
                        yield (f"{module_name}.{name}" if module_name else name), value

    def parameters(self) -> Iterator[Parameter]:
        """Every Parameter once, in registration order."""
        for _, param in self.named_parameters():
            yield param

    # ------------------------------------------------------------ bookkeeping
    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        for param in self.parameters():
            param.grad.fill(0)

    def train(self, mode: bool = True) -> Module:
        """Set training mode (affects e.g. Dropout) here and in every descendant."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode; same as `train(False)`."""
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted parameter name: copy of its values}."""
        return {name: param.data.copy() for name, param in self.named_parameters()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values in after checking every name, shape and dtype; on error nothing changes."""
        own = dict(self.named_parameters())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        problems: list[str] = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        for name, param in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            if not isinstance(value, np.ndarray):
                problems.append(f"{name}: expected an ndarray, got {type(value).__name__}")
            elif value.shape != param.data.shape:
                problems.append(
                    f"size mismatch for {name}: checkpoint {value.shape}, model {param.data.shape}"
                )
            elif value.dtype != param.data.dtype:
                problems.append(
                    f"dtype mismatch for {name}: checkpoint {value.dtype}, model {param.data.dtype}"
                )
        if problems:
            raise ValueError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                + "\n  ".join(problems)
            )
        for name, param in own.items():
            if name in state_dict:
                param.data[...] = state_dict[name]
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (its configuration)."""
        return ""

    def __repr__(self) -> str:
        """PyTorch-style tree of the modules; a model's ends with its parameter count."""
        from .summary import module_repr  # summary imports the layers, which import this

        return module_repr(self)

    def summary(self, input_size: Sequence[int | None] | None = None) -> ModelSummary:
        """A table of the layers: output shapes (from `input_size`, e.g. `(batch, time,
        features)`, None for any size; else "?") and parameter counts, total and trainable."""
        from .summary import summarize

        return summarize(self, input_size)
