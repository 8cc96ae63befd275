"""Sequential: a chain of modules; forward in order, backward in reverse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, overload

from .module import Module


def check_input_grad(grad: Any, index: int, layer: Module, who: str) -> None:
    """Refuse a missing dL/dx from layer `index` of a chain when a layer below still needs it."""
    if grad is None and index > 0:
        raise RuntimeError(
            f"{who}.backward: layer {index} ({type(layer).__name__}) returned no input "
            f"gradient (its needs_input_grad is False), but layer {index - 1} needs one: only "
            "the first layer may skip it"
        )


class Sequential(Module):
    """`Sequential(*layers)`: y = layers[-1](...layers[0](x)); backward runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: argument {index} is a {type(layer).__name__}, not a Module"
                )
        self._layers: list[Module] = list(layers)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        # Children are named by position, as in PyTorch: "0.cell.weight_ih".
        for index, layer in enumerate(self._layers):
            yield str(index), layer

    def forward(self, x: Any) -> Any:
        """x -> layers applied in order."""
        for layer in self._layers:
            x = layer(x)
        return x

    @property
    def needs_input_grad(self) -> bool:
        """Whether backward returns dL/dx: the first layer's flag (the one that reads x)."""
        return self._layers[0].needs_input_grad if self._layers else True

    @needs_input_grad.setter
    def needs_input_grad(self, value: bool) -> None:
        if not self._layers:
            raise ValueError("Sequential: needs_input_grad is the first layer's, and there is none")
        self._layers[0].needs_input_grad = value

    def backward(self, grad_output: Any) -> Any:
        """grad w.r.t. the output -> grad w.r.t. the input (None when not needs_input_grad),
        through the layers in reverse."""
        for index in range(len(self._layers) - 1, -1, -1):
            layer = self._layers[index]
            grad_output = layer.backward(grad_output)
            check_input_grad(grad_output, index, layer, type(self).__name__)
        return None if not self.needs_input_grad else grad_output

    def append(self, layer: Module) -> Sequential:
        """Add a layer at the end."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.append: expected a Module, got {type(layer).__name__}")
        self._layers.append(layer)
        return self

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module:
        """model[i] is a layer; model[i:j] a new Sequential sharing those layers (as PyTorch)."""
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)
