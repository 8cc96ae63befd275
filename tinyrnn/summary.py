"""Module.summary() and the parameter count in a Module's repr.

Output shapes are worked out from the layers' settings (no forward pass, so nothing runs and no
state changes), from an optional input shape: `model.summary((32, 25))` for a model starting
with an Embedding, `model.summary((None, 50, 3))` for one reading features (None: any size).
A layer whose shape rule is not known here shows "?", as do the layers after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .layers.activations import ReLU, Sigmoid, Softmax, Tanh
from .layers.bidirectional import Bidirectional
from .layers.dropout import Dropout
from .layers.embedding import Embedding
from .layers.linear import Linear
from .module import Module
from .sequential import Sequential

Shape = tuple[int | None, ...]
_SAME_SHAPE = (Tanh, Sigmoid, ReLU, Softmax, Dropout)


def count_parameters(module: Module) -> int:
    """Entries of every Parameter (each shared one once)."""
    return sum(param.size for param in module.parameters())


def output_shape(module: Module, shape: Shape | None, name: str = "") -> Shape | None:
    """The shape `module` returns for inputs of `shape`, or None when not known."""
    if shape is None:
        return None
    if isinstance(module, Sequential):
        for index, layer in enumerate(module):
            shape = output_shape(layer, shape, f"{name}.{index}" if name else str(index))
        return shape
    if isinstance(module, _SAME_SHAPE):
        return shape
    if isinstance(module, Embedding):
        return (*shape, module.embedding_dim)
    if isinstance(module, Linear):
        _expect(shape, -1, module.in_features, module, name)
        return (*shape[:-1], module.out_features)
    if isinstance(module, Bidirectional):
        inner = output_shape(module.forward_layer, shape, name)
        if inner is None or module.merge_mode is None:  # None: a pair of arrays
            return None
        if module.merge_mode != "concat":
            return inner
        return (*inner[:-1], 2 * inner[-1])  # type: ignore[operator]
    cell = getattr(module, "cell", None)
    if cell is not None and hasattr(module, "return_sequences") and len(shape) == 3:
        _expect(shape, -1, getattr(cell, "input_size", None), module, name)
        batch, time = shape[:2]
        hidden = cell.hidden_size
        return (batch, time, hidden) if module.return_sequences else (batch, hidden)
    return None


def _expect(shape: Shape, axis: int, size: int | None, module: Module, name: str) -> None:
    if size is not None and shape[axis] is not None and shape[axis] != size:
        raise ValueError(
            f"summary: layer {name or 'the model'} ({type(module).__name__}) expects "
            f"{size} input features, but its input would be {_text(shape)}"
        )


def _text(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join("?" if n is None else str(n) for n in shape) + ")"


@dataclass
class ModelSummary:
    """What `Module.summary()` returns: prints as a table; `rows` are (name, type, shape, count)."""

    rows: list[tuple[str, str, str, int]]
    total_params: int
    trainable_params: int
    dtype: str  # the parameters' dtype(s), e.g. "float32"
    size_bytes: int  # memory held by the parameters' values

    def __str__(self) -> str:
        header = ("Layer", "Type", "Output shape", "Params")
        cells = [header] + [(n, k, s, f"{c:,}") for n, k, s, c in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(4)]

        def line(name: str, kind: str, shape: str, count: str) -> str:
            return "  ".join(
                [name.ljust(widths[0]), kind.ljust(widths[1]), shape.ljust(widths[2]),
                 count.rjust(widths[3])]
            )  # fmt: skip

        rule = "=" * len(line("", "", "", ""))
        body = [line(n, k, s, f"{c:,}") for n, k, s, c in self.rows]
        size = f" ({self.dtype}, {_bytes(self.size_bytes)})" if self.dtype else ""
        return "\n".join(
            [line(*header), rule, *body, rule,
             f"Total params: {self.total_params:,}{size}",
             f"Trainable params: {self.trainable_params:,}",
             f"Non-trainable params: {self.total_params - self.trainable_params:,}"]
        )  # fmt: skip

    __repr__ = __str__


def _bytes(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    raise AssertionError("unreachable")


def summarize(model: Module, input_size: Sequence[int | None] | None = None) -> ModelSummary:
    """The rows of `Module.summary`: one per layer, a Sequential's layers expanded in place."""
    rows: list[tuple[str, str, str, int]] = []
    shape: Shape | None = None if input_size is None else tuple(input_size)

    def visit(module: Module, name: str, depth: int) -> None:
        nonlocal shape
        if isinstance(module, Sequential):
            for index, layer in enumerate(module):
                visit(layer, f"{name}.{index}" if name else str(index), depth + 1)
            return
        shape = output_shape(module, shape, name)
        label = "  " * max(depth - 1, 0) + (name or "(model)")
        rows.append((label, type(module).__name__, _text(shape), count_parameters(module)))

    visit(model, "", 0)
    dtypes = sorted({str(param.dtype) for param in model.parameters()})
    total = count_parameters(model)
    # Every tinyrnn Parameter is updated by the optimizers that hold it: all are trainable.
    size = sum(param.data.nbytes for param in model.parameters())
    return ModelSummary(rows, total, total, ", ".join(dtypes), size)


def module_repr(module: Module) -> str:
    """PyTorch-style tree; a model (a module with children) ends with its parameter count."""
    text = _tree(module)
    if next(module.children(), None) is not None:
        text += f"  # {count_parameters(module):,} parameters"
    return text


def _tree(module: Module) -> str:
    children = list(module.named_children())
    if not children:
        return f"{type(module).__name__}({module.extra_repr()})"
    lines = [f"{type(module).__name__}("]
    if module.extra_repr():
        lines.append(f"  {module.extra_repr()}")
    for name, child in children:
        # A child with its own __repr__ keeps it; the count is only shown once, at the top.
        own = type(child).__repr__ is not Module.__repr__
        child_repr = repr(child) if own else _tree(child)
        lines.append(f"  ({name}): {child_repr}".replace("\n", "\n  "))
    lines.append(")")
    return "\n".join(lines)
