"""gradcheck: compare a Module's backward with central finite differences, in float64.

The check uses a fixed random projection L = sum(R * output), so one backward with
grad_output = R gives every analytic gradient, and each finite difference is a scalar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .losses.loss import Loss
from .module import Module, no_grad


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when an analytic gradient disagrees with finite differences."""


@dataclass
class GradcheckReport:
    """Max abs error per checked quantity ("input 0", "input 1[1]", "param cell.weight_hh")."""

    errors: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def max_error(self) -> float:
        """The largest error over everything checked (0.0 when nothing was)."""
        return max(self.errors.values(), default=0.0)

    def __bool__(self) -> bool:
        return not self.failures


def _float_leaves(value: Any, name: str) -> Iterator[tuple[str, np.ndarray]]:
    """(name, array) for every float array in an input, descending into tuples (e.g. (h, c))."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        yield name, value
    elif isinstance(value, tuple):
        for index, part in enumerate(value):
            yield from _float_leaves(part, f"{name}[{index}]")


def _matching_leaves(grad: Any, value: Any, name: str) -> Iterator[tuple[str, Any]]:
    """Walk a gradient with the same tuple structure as its input."""
    if isinstance(value, tuple):
        for index, part in enumerate(value):
            part_grad = grad[index] if isinstance(grad, tuple) else None
            yield from _matching_leaves(part_grad, part, f"{name}[{index}]")
    elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
        yield name, grad


def _copy_inputs(value: Any) -> Any:
    """Contiguous copies of float arrays (perturbing them in place must reach every element)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return np.array(value, copy=True, order="C")
    if isinstance(value, tuple):
        return tuple(_copy_inputs(part) for part in value)
    return value


def _projection(output: Any, rng: np.random.Generator) -> Any:
    if isinstance(output, tuple):
        return tuple(_projection(part, rng) for part in output)
    if isinstance(output, np.ndarray):
        return rng.standard_normal(output.shape)
    return 1.0  # a loss: the output already is the scalar


def _objective(output: Any, weights: Any) -> float:
    if isinstance(output, tuple):
        return sum(_objective(o, w) for o, w in zip(output, weights, strict=True))
    if isinstance(output, np.ndarray):
        return float(np.sum(output * weights))
    return float(output)


def _input_grads(module: Module, inputs: tuple[Any, ...], result: Any) -> dict[str, Any]:
    """Map what backward returned onto the inputs' names."""
    grads: dict[str, Any] = {}
    returned = result if isinstance(result, tuple) and not isinstance(module, Loss) else (result,)
    for index, value in enumerate(inputs):
        grad = returned[index] if index < len(returned) else None
        if grad is None and index == 1 and hasattr(module, "grad_h0"):
            grad = module.grad_h0  # sequence layers report dL/dh0 as an attribute
        grads.update(_matching_leaves(grad, value, f"input {index}"))
    return grads


def _numeric_grad(objective: Callable[[], float], array: np.ndarray, eps: float) -> np.ndarray:
    grad = np.zeros_like(array)
    # Index the array itself (not a reshaped copy): a parameter may be a non-contiguous view.
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + eps
        plus = objective()
        array[index] = original - eps
        minus = objective()
        array[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(
    module: Module,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    rng: np.random.Generator | None = None,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Check `module.backward` against central differences for every float64 input and parameter.

    `inputs` are passed to `module(*inputs)`: arrays, tuples of arrays (a state such as (h, c)),
    integer arrays (indices, targets: not differentiated) or None. The module's parameters and
    float inputs must be float64. Losses are differentiated w.r.t. their prediction only. For a
    sequence layer, the gradient of input 1 (h0) is read from `module.grad_h0`. Input 0 is not
    checked when `module.needs_input_grad` is False (backward then returns no dL/dx). Parameter
    gradients are restored afterwards; the module must be deterministic (Dropout in eval mode).
    """
    inputs = tuple(_copy_inputs(value) for value in inputs)
    params = dict(module.named_parameters())
    leaves = [leaf for i, value in enumerate(inputs) for leaf in _float_leaves(value, f"input {i}")]
    if isinstance(module, Loss):
        leaves = [(name, array) for name, array in leaves if name.startswith("input 0")]
    elif not module.needs_input_grad:
        leaves = [(name, array) for name, array in leaves if not name.startswith("input 0")]
    for name, array in leaves + [(f"param {n}", p.data) for n, p in params.items()]:
        if array.dtype != np.float64:
            raise TypeError(f"gradcheck: {name} is {array.dtype}; gradcheck needs float64")
    rng = np.random.default_rng(0) if rng is None else rng

    with no_grad():
        weights = _projection(module(*inputs), rng)

    def objective() -> float:
        with no_grad():
            return _objective(module(*inputs), weights)

    saved_grads = {name: p.grad.copy() for name, p in params.items()}
    module.zero_grad()
    try:
        module(*inputs)
        result = module.backward() if isinstance(module, Loss) else module.backward(weights)
        analytic = {n: g for n, g in _input_grads(module, inputs, result).items()}
        analytic.update({f"param {n}": p.grad.copy() for n, p in params.items()})
    finally:
        for name, p in params.items():
            p.grad[...] = saved_grads[name]

    report = GradcheckReport()
    for name, array in leaves + [(f"param {n}", p.data) for n, p in params.items()]:
        numeric = _numeric_grad(objective, array, eps)
        got = analytic.get(name)
        if got is None or np.shape(got) != numeric.shape:
            report.errors[name] = float("inf")
            report.failures.append(f"{name}: backward gave no gradient of shape {numeric.shape}")
            continue
        error = float(np.max(np.abs(got - numeric), initial=0.0))
        report.errors[name] = error
        if not np.allclose(got, numeric, atol=atol, rtol=rtol):
            report.failures.append(f"{name}: max abs error {error:.3g}")
    if report.failures and raise_exception:
        raise GradcheckError(
            f"gradcheck failed for {type(module).__name__}:\n  " + "\n  ".join(report.failures)
        )
    return report
