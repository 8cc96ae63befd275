"""RecurrentCell: what the built-in cells share (parameters, init, dtype, checks); not the math."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from .._validation import check_grad, check_not_empty, checked_input
from ..module import Module
from ..parameter import Parameter
from .unbatched import add_batch_axis, drop_batch_axis, is_unbatched


class RecurrentCell(Module):
    """RecurrentCell(input_size, hidden_size, bias=True, *, dtype=None, rng=None): a cell's base.

    Makes `weight_ih` (gates * hidden, input), `weight_hh` (gates * hidden, hidden) and, with
    `bias`, `bias_ih` and `bias_hh` (gates * hidden,), PyTorch's names, shapes and init
    (uniform in +-1/sqrt(hidden_size)), with `gates` stacked blocks (a class attribute: 1 for
    RNNCell, 4 for LSTMCell, 3 for GRUCell). A subclass writes `forward(x_t, state)` and
    `backward(grad)`, the step's math; the checks below give its errors the cell's name.
    Calling a cell on an unbatched step, x_t (input,) and a state of (hidden,) arrays, runs it
    as a batch of one and returns unbatched results (as PyTorch); so does its backward, given
    unbatched gradients (`check_grad` and `step_result` do that part).
    """

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"{name}: input_size and hidden_size must be >= 1, got {input_size} and "
                f"{hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        dtype, rng = resolve_dtype(dtype, name), resolve_rng(rng, name)
        bound, rows = 1.0 / np.sqrt(hidden_size), self.gates * hidden_size
        self.weight_ih = Parameter(rng.uniform(-bound, bound, (rows, input_size)), dtype)
        self.weight_hh = Parameter(rng.uniform(-bound, bound, (rows, hidden_size)), dtype)
        self.bias_ih = Parameter(rng.uniform(-bound, bound, rows), dtype) if bias else None
        self.bias_hh = Parameter(rng.uniform(-bound, bound, rows), dtype) if bias else None
        self.dtype = dtype  # of the parameters, states and gradients

    def __call__(self, x: Any, state: Any = None) -> Any:
        """forward(x, state); an unbatched x (input,) and state run as a batch of one."""
        if not is_unbatched(x, 2):
            return super().__call__(x, state)
        state = add_batch_axis(state, type(self).__name__, "the state")
        return drop_batch_axis(super().__call__(np.asarray(x)[None], state))

    def initial_state(self, batch_size: int, like: np.ndarray) -> Any:
        """Zeros (batch, hidden) in this cell's dtype: the state when none is given."""
        return np.zeros_like(like, dtype=self.dtype, shape=(batch_size, self.hidden_size))

    def check_state(self, state: Any, batch_size: int, who: str | None = None) -> Any:
        """A user's state converted to this cell's dtype and checked: (batch, hidden)."""
        spec = (batch_size, self.hidden_size)
        return checked_input(state, self.dtype, spec, who or type(self).__name__, "hidden state")

    def check_step(self, x: Any, state: Any) -> tuple[np.ndarray, Any]:
        """forward's arguments checked: x_t (batch, input), the state (None: zeros)."""
        spec = ("batch", self.input_size)
        x = checked_input(x, self.dtype, spec, type(self).__name__, unbatched=True)
        check_not_empty(x, type(self).__name__)
        if state is None:
            return x, self.initial_state(x.shape[0], x)
        return x, self.check_state(state, x.shape[0])

    def check_grad(self, grad: Any, like: np.ndarray) -> np.ndarray:
        """An incoming gradient checked against the shape of what it differentiates (an
        unbatched one, after an unbatched call, gets its batch axis of one back)."""
        if like.shape[0] == 1 and np.ndim(grad) == like.ndim - 1:
            grad = np.asarray(grad)[None]
        grad = check_grad(grad, like.shape, type(self).__name__)
        return grad.astype(self.dtype, copy=False)  # a float64 gradient must not upcast

    def step_result(self, grad_output: Any, grad_x: Any, grad_state: Any) -> tuple[Any, Any]:
        """backward's (dL/dx_t, dL/dstate_{t-1}), unbatched when `grad_output` was unbatched."""
        given = grad_output if isinstance(grad_output, (tuple, list)) else (grad_output,)
        first = next((grad for grad in given if grad is not None), None)
        if first is None or np.ndim(first) != 1:
            return grad_x, grad_state
        return drop_batch_axis(grad_x), drop_batch_axis(grad_state)

    def accumulate_grads(self, grads: Any) -> None:
        """Add gradients of (weight_ih, weight_hh[, bias_ih, bias_hh]) into their `.grad`."""
        for param, grad in zip(self.parameters(), grads, strict=True):
            param.grad += grad

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            ", bias=False" if self.bias_ih is None else ""
        )
