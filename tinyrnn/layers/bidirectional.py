"""Bidirectional: one recurrent layer reads the sequence forward in time, a second one backward."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .._config import get_default_dtype
from .._validation import check_grad, check_not_empty, checked_input
from ..module import Module
from .merge import check_merge_mode, merge, merge_backward


def _check_sequence_layer(layer: Any, who: str) -> None:
    needed = ("hidden_size", "return_sequences", "grad_h0")
    if not isinstance(layer, Module) or any(not hasattr(layer, name) for name in needed):
        raise TypeError(
            f"{who}: expected a sequence layer such as RNN, LSTM or GRU (a Module with "
            f"hidden_size, return_sequences and grad_h0), got {type(layer).__name__}"
        )
    if getattr(layer, "go_backwards", False):
        raise ValueError(
            f"{who}: give layers with go_backwards=False (Bidirectional reverses the "
            "sequence for its backward layer itself)"
        )
    if getattr(layer, "stateful", False):
        raise ValueError(
            f"{who}: a stateful layer cannot be bidirectional (the reverse pass "
            "starts at the end of each sequence)"
        )


def _checked_state(layer: Any, h0: Any, x: np.ndarray, direction: str) -> Any:
    """h0 converted and checked by the layer's own `initial_state` (RNN's), if it has one."""
    initial_state = getattr(layer, "initial_state", None)
    if h0 is None or initial_state is None:
        return h0
    try:
        return initial_state(x, h0)
    except (ValueError, TypeError) as error:
        raise type(error)(f"Bidirectional ({direction} direction): {error}") from None


def _reversal_order(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(batch, time) indices reversing each sample's first lengths[b] steps; padding stays put."""
    time = np.arange(steps)
    last = lengths.reshape(-1, 1) - 1
    return np.where(time <= last, last - time, time)


def _reverse_time(a: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    """a (batch, time, ...) reversed in time: whole rows, or per sample by `order`."""
    if order is None:
        return a[:, ::-1]
    return np.take_along_axis(a, order.reshape(order.shape + (1,) * (a.ndim - 2)), axis=1)


class Bidirectional(Module):
    """x: (batch, time, input) -> (batch, time, H_fwd + H_bwd), or (batch, H_fwd + H_bwd).

    `forward_layer` (the given layer) reads x in order; `backward_layer` (a deep copy of it,
    so it starts with the same values but owns its parameters; or the `backward_layer=` given)
    reads x reversed in time. Its outputs are re-reversed, so position t of the result holds
    both directions' features for step t, as in PyTorch. With `return_sequences=False` the
    result is [last forward state, last backward state (the one at t = 0)], PyTorch's h_n.
    `h0` and `grad_h0` are pairs (forward, backward); `h_n` is the pair of final states, and
    `backward(grad_output, grad_h_n)` takes dL/d(h_n) as such a pair.
    state_dict keys: `forward_layer.cell.weight_ih`, ..., `backward_layer.cell.weight_ih`, ...
    """

    def __init__(
        self, layer: Any, *, backward_layer: Any = None, merge_mode: str | None = "concat"
    ) -> None:
        super().__init__()
        _check_sequence_layer(layer, "Bidirectional")
        if backward_layer is None:
            backward_layer = copy.deepcopy(layer)
            backward_layer.clear_saved()
            if isinstance(getattr(layer, "rng", None), np.random.Generator):
                # One generator for both: a copied one would draw the same dropout masks.
                backward_layer.rng = layer.rng
        else:
            _check_sequence_layer(backward_layer, "Bidirectional (backward_layer)")
        forward_sequences = layer.return_sequences
        if backward_layer.return_sequences != forward_sequences:
            raise ValueError("Bidirectional: both layers must agree on return_sequences")
        check_merge_mode(merge_mode, layer.hidden_size, backward_layer.hidden_size)
        self.merge_mode = merge_mode
        # Typed Any: sequence layers share an interface (hidden_size, h_n, grad_h0, ...) that
        # Module itself does not declare.
        self.forward_layer: Any = layer
        self.backward_layer: Any = backward_layer
        self.h_n: tuple[Any, Any] | None = None
        self.grad_h0: tuple[Any, Any] | None = None

    @property
    def return_sequences(self) -> bool:
        """Whether every step is returned (both directions are built alike)."""
        return bool(self.forward_layer.return_sequences)

    @property
    def hidden_size(self) -> int:
        """Features per step of the output: forward plus backward hidden sizes for "concat",
        else one direction's (for merge_mode=None, of each array of the pair)."""
        size = int(self.forward_layer.hidden_size)
        if self.merge_mode == "concat":
            return size + int(self.backward_layer.hidden_size)
        return size

    def _dtype(self) -> np.dtype[Any]:
        for param in self.forward_layer.parameters():
            return param.data.dtype
        return get_default_dtype()

    def forward(self, x: Any, h0: Any = None, lengths: Any = None, mask: Any = None) -> np.ndarray:
        """x: (batch, time, input); h0: None or (h0_forward, h0_backward), either may be None.

        `lengths` (batch,) or None: a variable-length batch (see RNN); the backward layer then
        reads each sample from its own last valid step back to step 0, as PyTorch does for a
        packed sequence, and the outputs are zero at padded steps. `mask` (batch, time) bool
        or None: Keras' masking (see RNN), the backward layer reading it reversed; as in Keras'
        Bidirectional, the sequence outputs are zero at masked steps.
        """
        size = getattr(self.forward_layer, "input_size", None)
        x = checked_input(x, self._dtype(), ("batch", "time", size or "input"), "Bidirectional")
        check_not_empty(x, "Bidirectional")
        if h0 is None:
            h0 = (None, None)
        elif not (isinstance(h0, (tuple, list)) and len(h0) == 2):
            raise TypeError(
                "Bidirectional: h0 must be None or a pair (h0_forward, h0_backward), "
                f"got {type(h0).__name__}"
            )
        # Both states are checked before either direction runs: an error then names this
        # layer, and the forward direction is not left holding the cache of a half-done call.
        h0 = (
            _checked_state(self.forward_layer, h0[0], x, "forward"),
            _checked_state(self.backward_layer, h0[1], x, "backward"),
        )
        extra: dict[str, Any] = {} if lengths is None else {"lengths": lengths}
        forward_extra = extra if mask is None else dict(extra, mask=mask)
        out_forward = self.forward_layer(x, h0[0], **forward_extra)  # validates lengths, mask
        order = None if lengths is None else _reversal_order(np.asarray(lengths), x.shape[1])
        if mask is not None:  # the backward layer's steps are masked as the x it reads
            mask = np.asarray(mask)
            extra["mask"] = _reverse_time(mask[:, :, None], order)[:, :, 0]
        # The backward layer reads x[:, T-1], ..., x[:, 0]; its step s is time T-1-s.
        out_backward = self.backward_layer(_reverse_time(x, order), h0[1], **extra)
        if self.return_sequences:
            out_backward = _reverse_time(out_backward, order)
        self.h_n = (self.forward_layer.h_n, self.backward_layer.h_n)
        zeroed = mask if self.return_sequences else None
        if zeroed is not None:
            out_forward[~zeroed] = 0
            out_backward[~zeroed] = 0
        output = merge(self.merge_mode, out_forward, out_backward)
        operands = (out_forward, out_backward) if self.merge_mode == "mul" else None
        shapes = (out_forward.shape, out_backward.shape)
        self.save_for_backward((shapes, order, zeroed, operands))
        return output

    @property
    def needs_input_grad(self) -> bool:
        """Whether backward returns dL/dx: True unless both directions' flags are False."""
        return self.forward_layer.needs_input_grad or self.backward_layer.needs_input_grad

    @needs_input_grad.setter
    def needs_input_grad(self, value: bool) -> None:
        # x feeds both directions: setting the flag here sets it on both.
        self.forward_layer.needs_input_grad = value
        self.backward_layer.needs_input_grad = value

    def backward(self, grad_output: Any = None, grad_h_n: Any = None) -> np.ndarray | None:
        """dL/d(output) and/or dL/d(h_n) -> dL/dx (batch, time, input) or None; sets `grad_h0`.

        `grad_h_n` mirrors `h_n`: None or a pair (forward, backward), each None or shaped like
        that direction's `h_n` (a pair (dh, dc) for an LSTM). Either argument may be None.
        """
        shapes, order, zeroed, operands = self.pop_saved()
        grad_n = (None, None) if grad_h_n is None else grad_h_n
        if not (isinstance(grad_n, (tuple, list)) and len(grad_n) == 2):
            raise TypeError(
                "Bidirectional: grad_h_n must be None or a pair (forward, backward) like h_n, "
                f"got {type(grad_h_n).__name__}"
            )
        grad_forward = grad_backward = None
        if grad_output is not None:
            grad_forward, grad_backward = self._split_grad(grad_output, shapes, operands)
            if zeroed is not None:  # the outputs at masked steps are constant zeros
                grad_forward = np.where(zeroed[:, :, None], grad_forward, 0)
                grad_backward = np.where(zeroed[:, :, None], grad_backward, 0)
            if self.return_sequences:  # the backward layer's outputs were reversed in time
                grad_backward = _reverse_time(grad_backward, order)
        # x feeds both layers, so dx = dx_f + reverse(dx_b).
        grad_x_forward = self.forward_layer.backward(grad_forward, grad_n[0])
        grad_x_backward = self.backward_layer.backward(grad_backward, grad_n[1])
        self.grad_h0 = (self.forward_layer.grad_h0, self.backward_layer.grad_h0)
        if not self.needs_input_grad:
            return None
        if grad_x_forward is None or grad_x_backward is None:
            raise RuntimeError(
                "Bidirectional.backward: one direction returned no input gradient (its "
                "needs_input_grad is False); set the flag on the Bidirectional layer itself"
            )
        return grad_x_forward + _reverse_time(grad_x_backward, order)

    def _split_grad(self, grad_output: Any, shapes: Any, operands: Any) -> tuple[Any, Any]:
        """dL/d(output), checked -> dL/d(out_forward), dL/d(out_backward) (by merge_mode)."""
        if self.merge_mode is None:
            if not (isinstance(grad_output, (tuple, list)) and len(grad_output) == 2):
                raise TypeError(
                    "Bidirectional (merge_mode=None): grad_output must be a pair "
                    f"(forward, backward) like the output, got {type(grad_output).__name__}"
                )
            return tuple(  # type: ignore[return-value]
                np.zeros(shape) if grad is None else check_grad(grad, shape, "Bidirectional")
                for grad, shape in zip(grad_output, shapes, strict=True)
            )
        (forward_shape, backward_shape), split = shapes, shapes[0][-1]
        shape = forward_shape
        if self.merge_mode == "concat":
            shape = forward_shape[:-1] + (split + backward_shape[-1],)
        grad = check_grad(grad_output, shape, "Bidirectional")
        return merge_backward(self.merge_mode, grad, split, operands)

    def extra_repr(self) -> str:
        text = f"return_sequences={self.return_sequences}"
        if self.merge_mode != "concat":
            text += f", merge_mode={self.merge_mode!r}"
        return text
