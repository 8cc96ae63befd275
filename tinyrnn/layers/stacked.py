"""stacked(): several recurrent layers in a Sequential, PyTorch's `num_layers` as a container."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..module import Module
from ..sequential import Sequential
from .bidirectional import Bidirectional
from .dropout import Dropout


def stacked(
    layer_type: Callable[..., Module],
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    *,
    dropout: float = 0.0,
    bidirectional: bool = False,
    return_sequences: bool = True,
    **kwargs: Any,
) -> Sequential:
    """x: (batch, time, input) -> (batch, time, D*hidden) or (batch, D*hidden); D=2 if bidirectional

    `Sequential(layer_type(input_size, hidden_size), Dropout(dropout), layer_type(D * hidden,
    hidden_size), ...)` with `num_layers` recurrent layers, like `torch.nn.RNN/LSTM/GRU(...,
    num_layers, dropout, bidirectional, batch_first=True)`: the Dropouts are always present
    (p = 0 is the identity) so the state_dict keys do not depend on `dropout`, and only the
    last layer follows `return_sequences`. `layer_type` is RNN, LSTM, GRU or any callable
    `(input_size, hidden_size, *, return_sequences, **kwargs) -> sequence layer`; `kwargs`
    (nonlinearity, bias, dtype, rng, ...) go to every layer, and `rng` to the Dropouts too.
    Bidirectional levels get two independently initialised layers, as in PyTorch.

    A Sequential passes only x, no h0 or lengths: to start a stack from given states (or run a
    variable-length batch), call its layers in turn, `y = model[0](x, h0[0], lengths=lengths);
    y = model[1](y); y = model[2](y, h0[1], lengths=lengths)`, ..., then their backwards in
    reverse order (`g = model[2].backward(g)`, ...), and read each layer's `grad_h0`. When a
    loss depends on the final states (each layer's `h_n`, PyTorch's h_n[layer]), give each
    layer its own part in that backward pass: `g = model[2].backward(g, grad_h_n[1]);
    g = model[1].backward(g); g = model[0].backward(g, grad_h_n[0])`.
    """
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"stacked: num_layers must be an integer >= 1, got {num_layers!r}")
    directions = 2 if bidirectional else 1
    layers: list[Module] = []
    for number in range(num_layers):
        if number > 0:
            layers.append(Dropout(dropout, rng=kwargs.get("rng")))
        size_in = input_size if number == 0 else directions * hidden_size
        options = dict(kwargs, return_sequences=return_sequences or number < num_layers - 1)
        layer = layer_type(size_in, hidden_size, **options)
        if bidirectional:
            layer = Bidirectional(layer, backward_layer=layer_type(size_in, hidden_size, **options))
        layers.append(layer)
    return Sequential(*layers)
