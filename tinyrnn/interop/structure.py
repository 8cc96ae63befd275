"""Which torch modules a tinyrnn model corresponds to, and how their parameter names map.

A model is cut into parts, each the equivalent of one torch module (see `tinyrnn.interop`).
"""

from __future__ import annotations

from dataclasses import replace

from ..layers.dropout import Dropout
from ..layers.embedding import Embedding
from ..layers.linear import Linear
from ..module import Module
from ..sequential import Sequential
from .part import Part
from .recurrent_stack import flatten_stack, recurrent_part


def _single_part(module: Module, position: int, prefix: str, who: str) -> Part | None:
    """The part for a recurrent stack, Linear or Embedding; None for a parameterless module."""
    items = flatten_stack(module, prefix)
    if items is not None:
        return recurrent_part(items, position, who)
    names = {f"{prefix}{name}": name for name, _ in module.named_parameters()}
    if isinstance(module, Linear):
        config = {"in_features": module.in_features, "out_features": module.out_features}
        return Part(position, "Linear", dict(config, bias=module.bias is not None), names)
    if isinstance(module, Embedding):
        config = {"num_embeddings": module.num_embeddings, "embedding_dim": module.embedding_dim}
        return Part(position, "Embedding", config, names)
    if next(module.parameters(), None) is None:
        return None
    raise ValueError(
        f"{who}: no torch equivalent for {type(module).__name__} at "
        f"'{prefix.rstrip('.') or 'the top level'}'; supported: RNN/LSTM/GRU with their "
        "built-in cells, Bidirectional of those, stacks of them in a Sequential (Dropout "
        "between), Linear, Embedding, and a Sequential of these parts"
    )


def model_parts(model: Module, who: str) -> tuple[list[Part], bool]:
    """(parts, prefixed): one unprefixed part for a stack/Linear/Embedding, else one per part."""
    if not isinstance(model, Sequential) or flatten_stack(model, "") is not None:
        part = _single_part(model, 0, "", who)
        if part is None:
            raise ValueError(f"{who}: {type(model).__name__} has no parameters to map")
        return [part], False
    parts: list[Part] = []
    run: list[tuple[str, Module]] = []  # the recurrent stack being collected
    run_start = 0
    for index, layer in enumerate(model):
        flat = flatten_stack(layer, f"{index}.")
        if flat is not None or (run and isinstance(layer, Dropout)):
            run_start = run_start if run else index
            run.extend(flat if flat is not None else [(f"{index}.", layer)])
            continue
        if run:
            parts.append(replace(recurrent_part(run, run_start, who), stop=index))
            run = []
        part = _single_part(layer, index, f"{index}.", who)
        if part is not None:
            parts.append(replace(part, stop=index + 1))
    if run:
        parts.append(replace(recurrent_part(run, run_start, who), stop=len(model)))
    return parts, True
