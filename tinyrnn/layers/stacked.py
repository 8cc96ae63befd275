"""stacked(): several recurrent layers as one, PyTorch's `num_layers` as a container."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..module import Module
from ..sequential import Sequential, check_input_grad
from .bidirectional import Bidirectional
from .dropout import Dropout


class RecurrentStack(Sequential):
    """`RecurrentStack(*layers)`: recurrent layers with Dropouts between, as `stacked` builds.

    A Sequential (same keys, same `model[i]`) whose forward also takes the per-layer initial
    states, `lengths` and `mask`, and whose backward also takes the gradient of the per-layer
    final states, like `torch.nn.LSTM(..., num_layers)`. Per-layer lists run layer 0 first,
    one entry per recurrent layer (the Dropouts have none), each entry with the structure of
    that layer's own `h0` / `h_n` (an array; a pair for an LSTM; a pair of directions for a
    Bidirectional layer). After forward, `h_n` is that list; after backward, `grad_h0` is.
    """

    def __init__(self, *layers: Module) -> None:
        super().__init__(*layers)
        self.h_n: list[Any] | None = None
        self.grad_h0: list[Any] | None = None

    def recurrent_layers(self) -> list[Module]:
        """The layers that carry a state: every layer but the Dropouts, first to last."""
        return [layer for layer in self if not isinstance(layer, Dropout)]

    def _per_layer(self, value: Any, name: str) -> list[Any]:
        """None or one entry per recurrent layer -> a list of them (None for each if None)."""
        count = len(self.recurrent_layers())
        if value is None:
            return [None] * count
        if not isinstance(value, (list, tuple)) or len(value) != count:
            got = (
                f"a {type(value).__name__} of length {len(value)}"
                if isinstance(value, (list, tuple))
                else f"a {type(value).__name__}"
            )
            raise TypeError(
                f"RecurrentStack: {name} must be None or a list with one entry per recurrent "
                f"layer ({count}, layer 0 first), got {got}"
            )
        return list(value)

    def forward(self, x: Any, h0: Any = None, lengths: Any = None, mask: Any = None) -> Any:
        """x: (batch, time, input) -> the last layer's output; h0: None or one per layer.

        `lengths` and `mask` (see RNN) go to every recurrent layer: a padded step stays
        padded all the way up, as in PyTorch's packed sequences and Keras' mask propagation.
        """
        states = iter(self._per_layer(h0, "h0"))
        extra = {"lengths": lengths} if lengths is not None else {}
        if mask is not None:
            extra["mask"] = mask
        for layer in self:
            x = layer(x) if isinstance(layer, Dropout) else layer(x, next(states), **extra)
        self.h_n = [getattr(layer, "h_n", None) for layer in self.recurrent_layers()]
        return x

    def backward(self, grad_output: Any = None, grad_h_n: Any = None) -> np.ndarray | None:
        """dL/d(output) and/or dL/d(h_n) (one entry per layer, each may be None) -> dL/dx.

        Runs the layers last to first; each recurrent layer adds the gradient of its own final
        state to what the layer above sends down. Sets `grad_h0` (one entry per layer).
        """
        grads_n = self._per_layer(grad_h_n, "grad_h_n")
        grad = grad_output
        for index in range(len(self) - 1, -1, -1):
            layer: Any = self[index]  # a sequence layer's backward takes grad_h_n too
            if isinstance(layer, Dropout):
                grad = layer.backward(grad)
            else:
                grad = layer.backward(grad, grads_n.pop())
            check_input_grad(grad, index, layer, "RecurrentStack")
        self.grad_h0 = [getattr(layer, "grad_h0", None) for layer in self.recurrent_layers()]
        return None if not self.needs_input_grad else grad


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
) -> RecurrentStack:
    """x: (batch, time, input) -> (batch, time, D*hidden) or (batch, D*hidden); D=2 if bidirectional

    `RecurrentStack(layer_type(input_size, hidden_size), Dropout(dropout), layer_type(D *
    hidden, hidden_size), ...)` with `num_layers` recurrent layers, like
    `torch.nn.RNN/LSTM/GRU(..., num_layers, dropout, bidirectional, batch_first=True)`: the
    Dropouts are always present (p = 0 is the identity) so the state_dict keys do not depend
    on `dropout`, and only the last layer follows `return_sequences`. `layer_type` is RNN,
    LSTM, GRU or any callable `(input_size, hidden_size, *, return_sequences, **kwargs) ->
    sequence layer`; `kwargs` (nonlinearity, bias, dtype, rng, ...) go to every layer, and
    `rng` to the Dropouts too. Bidirectional levels get two independently initialised layers,
    as in PyTorch.

    `model(x, h0, lengths=..., mask=...)` takes one initial state per recurrent layer, layer
    0 first, and `model.h_n` lists their final states (torch's `h_n[layer]`);
    `model.backward(grad_output, grad_h_n)` takes the gradient of those final states as such
    a list, and `model.grad_h0` lists the gradients of the initial states. Inside another
    Sequential the stack gets x only.
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
    return RecurrentStack(*layers)
