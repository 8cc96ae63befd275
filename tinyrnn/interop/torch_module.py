"""to_torch_module: a new torch module that computes what a tinyrnn model computes."""

from __future__ import annotations

from collections import OrderedDict
from functools import cache
from typing import Any

import numpy as np

from ..layers.activations import ReLU, Sigmoid, Softmax, Tanh
from ..layers.dropout import Dropout
from ..module import Module
from .part import Part
from .structure import model_parts
from .torch_state import to_torch_state_dict

WHO = "to_torch_module"


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(f"{WHO} needs PyTorch (pip install torch)") from None
    return torch


@cache
def _sequence_layer(torch_type: str) -> type:
    """torch.nn.RNN/LSTM/GRU returning what a tinyrnn layer returns: all steps' outputs, or
    (return_sequences=False) the last step's, i.e. the last layer's final state per direction."""
    torch = _import_torch()
    base = getattr(torch.nn, torch_type)

    def __init__(self: Any, *, return_sequences: bool, **config: Any) -> None:
        base.__init__(self, **config)
        self.return_sequences = return_sequences

    def forward(self: Any, x: Any) -> Any:
        output, h_n = base.forward(self, x)
        if self.return_sequences:
            return output
        h = h_n[0] if isinstance(h_n, tuple) else h_n  # LSTM: (h_n, c_n)
        # h: (num_layers * directions, batch, hidden); the last layer's rows come last.
        return torch.cat([h[-2], h[-1]], dim=-1) if self.bidirectional else h[-1]

    def extra_repr(self: Any) -> str:
        return f"{base.extra_repr(self)}, return_sequences={self.return_sequences}"

    methods = {"__init__": __init__, "forward": forward, "extra_repr": extra_repr}
    return type(f"{torch_type}Layer", (base,), methods)


def _torch_dtype(torch: Any, model: Module) -> Any:
    return torch.float64 if next(model.parameters()).dtype == np.float64 else torch.float32


def _part_module(torch: Any, part: Part, dtype: Any, wrap: bool) -> Any:
    config = dict(part.config, dtype=dtype)
    if config.get("dropout", 0.0) is None:
        raise ValueError(
            f"{WHO}: torch applies one dropout p between every pair of layers; the stack at "
            f"{part.position} has different Dropouts between its layers"
        )
    if wrap and part.torch_type in ("RNN", "LSTM", "GRU"):
        return _sequence_layer(part.torch_type)(return_sequences=part.return_sequences, **config)
    return getattr(torch.nn, part.torch_type)(**config)


def _parameterless(torch: Any, layer: Module, index: int) -> Any:
    """The torch twin of an activation or a Dropout; ValueError naming anything else."""
    if isinstance(layer, Dropout):
        return torch.nn.Dropout(layer.p)
    if isinstance(layer, Softmax):
        return torch.nn.Softmax(dim=layer.axis)
    for ours, theirs in ((Tanh, "Tanh"), (Sigmoid, "Sigmoid"), (ReLU, "ReLU")):
        if isinstance(layer, ours):
            return getattr(torch.nn, theirs)()
    raise ValueError(
        f"{WHO}: no torch equivalent for {type(layer).__name__} at '{index}'; supported: "
        "Embedding, RNN/LSTM/GRU with their built-in cells (stacked, Bidirectional), Linear, "
        "Dropout, Tanh, Sigmoid, ReLU, Softmax"
    )


def to_torch_module(model: Module) -> Any:
    """A new torch module computing what `model` computes (same weights and dtype).

    One recurrent layer or stack gives the torch.nn.RNN/LSTM/GRU itself (batch_first=True;
    its forward returns (output, h_n), as torch's does); a `Linear` or `Embedding` its torch
    twin. Any other `Sequential` gives a torch.nn.Sequential whose forward matches the model's:
    recurrent parts return their outputs (the last step's for return_sequences=False), and
    its keys are those of `to_torch_state_dict(model)` (each part under the index of its first
    layer). A layer without a torch twin is a ValueError naming it and its index.
    """
    torch = _import_torch()
    parts, prefixed = model_parts(model, WHO)
    dtype = _torch_dtype(torch, model)
    if not prefixed:
        module = _part_module(torch, parts[0], dtype, wrap=False)
    else:
        layers = list(model)  # type: ignore[call-overload]
        starts = {part.position: part for part in parts}
        modules: OrderedDict[str, Any] = OrderedDict()
        index = 0
        while index < len(layers):
            part = starts.get(index)
            if part is None:
                modules[str(index)] = _parameterless(torch, layers[index], index)
                index += 1
                continue
            modules[str(index)] = _part_module(torch, part, dtype, wrap=True)
            # Dropouts after the last recurrent layer of a run are outside the torch stack.
            inner = range(part.position, part.stop)
            last = max(i for i in inner if not isinstance(layers[i], Dropout))
            for trailing in range(last + 1, part.stop):
                modules[str(trailing)] = _parameterless(torch, layers[trailing], trailing)
            index = part.stop
        module = torch.nn.Sequential(modules)
    module.load_state_dict(to_torch_state_dict(model))
    return module.train(model.training)
