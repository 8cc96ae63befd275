"""A stack of recurrent layers (in a Sequential, Dropouts between) as one torch.nn.RNN/LSTM/GRU."""

from __future__ import annotations

from typing import Any

from ..layers.bidirectional import Bidirectional
from ..layers.dropout import Dropout
from ..layers.gru_cell import GRUCell
from ..layers.lstm_cell import LSTMCell
from ..layers.rnn_cell import RNNCell
from ..module import Module
from ..sequential import Sequential
from .part import Part

_CELL_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _cell_kind(layer: Module) -> str | None:
    """ "LSTM", "GRU", "RNN" for a sequence layer running a built-in cell, else None."""
    cell = getattr(layer, "cell", None)
    if not hasattr(layer, "return_sequences"):
        return None
    # torch has no go_backwards and no dropout inside a layer (Keras' dropout options).
    if any(
        getattr(layer, option, 0) for option in ("go_backwards", "dropout", "recurrent_dropout")
    ):
        return None
    for cell_type, kind in ((LSTMCell, "LSTM"), (GRUCell, "GRU"), (RNNCell, "RNN")):
        if isinstance(cell, cell_type):
            extra = {name for name, _ in cell.named_parameters()} - set(_CELL_PARAMETERS)
            return None if extra else kind
    return None


def _is_level(module: Module) -> bool:
    """A layer of a torch recurrent stack: a recurrent layer or a Bidirectional one."""
    if isinstance(module, Bidirectional):  # torch concatenates the two directions
        return module.merge_mode == "concat" and _cell_kind(module.forward_layer) is not None
    return _cell_kind(module) is not None


def flatten_stack(module: Module, prefix: str) -> list[tuple[str, Module]] | None:
    """[(name prefix, level or Dropout)] if `module` is a pure recurrent stack, else None."""
    if _is_level(module):
        return [(prefix, module)]
    if not isinstance(module, Sequential):
        return None
    items: list[tuple[str, Module]] = []
    for index, layer in enumerate(module):
        if isinstance(layer, Dropout):
            items.append((f"{prefix}{index}.", layer))
            continue
        inner = flatten_stack(layer, f"{prefix}{index}.")
        if inner is None:
            return None
        items.extend(inner)
    return items if any(not isinstance(m, Dropout) for _, m in items) else None


def _directions(prefix: str, level: Module) -> list[tuple[str, str, Any]]:
    """[(name prefix, torch suffix, layer)]: one entry, or two for a Bidirectional level."""
    if isinstance(level, Bidirectional):
        return [
            (f"{prefix}forward_layer.", "", level.forward_layer),
            (f"{prefix}backward_layer.", "_reverse", level.backward_layer),
        ]
    return [(prefix, "", level)]


def _stack_dropout(items: list[tuple[str, Module]]) -> float | None:
    """The dropout p between levels if every gap has the same one (0 if none), else None."""
    gaps: list[list[float]] = []
    for _, module in items:
        if isinstance(module, Dropout):
            if gaps:
                gaps[-1].append(module.p)
        else:
            gaps.append([])
    gaps = gaps[:-1]  # Dropouts after the last level are outside the torch module
    values = {tuple(gap) for gap in gaps}
    if not gaps or values == {()}:
        return 0.0
    return values.pop()[0] if len(values) == 1 and len(next(iter(values))) == 1 else None


def _settings(layer: Any) -> dict[str, Any]:
    """What must agree across the layers of one torch recurrent module."""
    cell = layer.cell
    return {
        "type": _cell_kind(layer),
        "hidden_size": cell.hidden_size,
        "bias": cell.bias_ih is not None,
        "nonlinearity": getattr(cell, "nonlinearity", "tanh"),
    }


def recurrent_part(items: list[tuple[str, Module]], position: int, who: str) -> Part:
    """The torch.nn.RNN/LSTM/GRU equivalent of a flattened recurrent stack, checked."""
    levels = [_directions(prefix, m) for prefix, m in items if not isinstance(m, Dropout)]
    first = _settings(levels[0][0][2])
    hidden, num_directions = first["hidden_size"], len(levels[0])
    names: dict[str, str] = {}
    for number, directions in enumerate(levels):
        for name_prefix, suffix, layer in directions:
            where = f"recurrent layer {number} (at '{name_prefix.rstrip('.') or 'top level'}')"
            settings = _settings(layer)
            differ = [key for key in first if settings[key] != first[key]]
            if differ or len(directions) != num_directions:
                raise ValueError(
                    f"{who}: {where} differs from recurrent layer 0 in "
                    f"{', '.join(differ) or 'direction count'}: one torch recurrent module "
                    "needs the same type and settings in every layer"
                )
            if number > 0 and layer.cell.input_size != hidden * num_directions:
                raise ValueError(
                    f"{who}: {where} has input_size {layer.cell.input_size}; a torch stack "
                    f"feeds it the previous layer's {hidden * num_directions} features"
                )
            if number < len(levels) - 1 and not layer.return_sequences:
                raise ValueError(
                    f"{who}: {where} has return_sequences=False; only the last layer may"
                )
            for name, _ in layer.cell.named_parameters():
                names[f"{name_prefix}cell.{name}"] = f"{name}_l{number}{suffix}"
    config = {
        "input_size": levels[0][0][2].cell.input_size,
        "hidden_size": hidden,
        "num_layers": len(levels),
        "bias": first["bias"],
        "batch_first": True,
        "dropout": _stack_dropout(items),
        "bidirectional": num_directions == 2,
    }
    if first["type"] == "RNN":
        config["nonlinearity"] = first["nonlinearity"]
    last = levels[-1][0][2]
    return Part(position, first["type"], config, names, return_sequences=last.return_sequences)
