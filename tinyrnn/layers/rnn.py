"""RNN: runs a recurrent cell over time; backward() is backpropagation through time (BPTT)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from .._config import get_default_dtype, resolve_rng
from .._validation import check_grad, check_not_empty, checked_input
from ..module import Module
from .gru_cell import GRUCell
from .lstm_cell import LSTMCell
from .recurrent_dropout import check_probability, draw_masks, scale_output
from .rnn_cell import RNNCell
from .step_masks import step_masks
from .unbatched import add_batch_axis, drop_batch_axis, is_unbatched

# Speed lives here. The built-in cells also exist as whole-sequence kernels in
# tinyrnn.functional: the same math, with the input projection of every step and the weight
# gradients of every step done as single matrix products. They run for cells of exactly these
# types; any other cell (a subclass of these included, as it may change the step) runs step by
# step through its own forward and backward. Tests hold the two paths equal.
FUSED_KERNELS: dict[type, tuple[Callable[..., Any], Callable[..., Any]]] = {
    RNNCell: (F.rnn_forward, F.rnn_backward),
    LSTMCell: (F.lstm_forward, F.lstm_backward),
    GRUCell: (F.gru_forward, F.gru_backward),
}


# A state is one array (RNN, GRU) or a tuple of arrays whose first is the output (LSTM's (h, c)).
State = Any


def map_state(fn: Callable[..., np.ndarray], *states: State) -> State:
    """fn applied array by array to one or more states of the same structure."""
    if isinstance(states[0], np.ndarray):
        return fn(*states)
    return tuple(fn(*parts) for parts in zip(*states, strict=True))


def state_output(state: State) -> np.ndarray:
    """The part of a state that is the step's output: the state itself, or its first array."""
    return state if isinstance(state, np.ndarray) else state[0]


def add_to_output(state: State, grad: np.ndarray) -> State:
    """`state` with `grad` added to its output part (a new value; the inputs are untouched)."""
    if isinstance(state, np.ndarray):
        return state + grad
    return (state[0] + grad, *state[1:])


def select_state(keep: np.ndarray, chosen: State, other: State) -> State:
    """Per sample, `chosen` where keep (batch,) is True, else `other`."""

    def select(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where(keep.reshape((-1,) + (1,) * (a.ndim - 1)), a, b)

    return map_state(select, chosen, other)


def _built_in_parameters(cell: Any) -> list[Any]:
    """A built-in cell's parameters in the kernels' order (weight_ih, weight_hh[, biases])."""
    params = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    return [param for param in params if param is not None]


class RNN(Module):
    """RNN(input_size, hidden_size, *, nonlinearity="tanh", bias=True, return_sequences=True,
    stateful=False, go_backwards=False, dtype=None, rng=None), or RNN(cell=some_cell, ...): a
    cell run over time. `go_backwards` (Keras'): read x from its last step to its first and
    return the outputs in that (reversed) order. `dropout` / `recurrent_dropout` (Keras'):
    in training mode, one mask per sequence on x_t / on h_{t-1} where the cell reads it
    (the latter runs the step-by-step path); `rng` also draws those masks.

    `rnn(x, h0=None, lengths=None)`: x (batch, time, input) -> (batch, time, hidden), or the
    last state's h (batch, hidden) when `return_sequences` is False. `h0` is the initial state
    (None: zeros, or the carried `h_n` when `stateful`). `lengths` (batch,) integers in
    [1, time] make a variable-length batch: a sample's steps from its length on are padding,
    which neither changes its state nor gets a gradient; outputs there are zero (as PyTorch's
    pad_packed_sequence), and `h_n` is each sample's last valid state. `mask` (batch, time)
    bool, Keras' masking: where False the step is skipped, the state carried over unchanged
    and the output repeats the previous one (zeros before a sample's first unmasked step).

    `rnn.backward(grad_output, grad_h_n=None)` -> dL/dx (batch, time, input); `grad_h_n` is
    dL/d(h_n) when the final state feeds something too; either may be None. Afterwards
    `rnn.grad_h0` is dL/d(h0). `cell` is any Module with `forward(x_t, state) -> state`,
    `backward(dL/dstate_t) -> (dL/dx_t, dL/dstate_{t-1})` and `hidden_size`; a state is an
    array or a tuple whose first item is the output (LSTM: (h, c)).
    """

    def __init__(
        self,
        input_size: int | None = None,
        hidden_size: int | None = None,
        *,
        nonlinearity: str = "tanh",
        bias: bool = True,
        return_sequences: bool = True,
        stateful: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        cell: Module | None = None,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if cell is None:
            if input_size is None or hidden_size is None:
                raise TypeError(f"{name}: give input_size and hidden_size, or cell=")
            cell = RNNCell(input_size, hidden_size, bias, nonlinearity, dtype=dtype, rng=rng)
        elif input_size is not None or hidden_size is not None:
            raise TypeError(f"{name}: give either input_size and hidden_size or cell=, not both")
        if not isinstance(cell, Module) or not hasattr(cell, "hidden_size"):
            raise TypeError(
                f"{name}: cell must be a Module with a hidden_size attribute, "
                f"got {type(cell).__name__}"
            )
        self.cell = cell
        self.return_sequences = return_sequences
        self.stateful = stateful
        self.go_backwards = go_backwards
        self.dropout = check_probability(dropout, name, "dropout")
        self.recurrent_dropout = check_probability(recurrent_dropout, name, "recurrent_dropout")
        # The dropout masks' generator (None: the library's, at call time).
        self.rng = None if rng is None else resolve_rng(rng, name)
        self.h_n: State | None = None
        self.grad_h0: State | None = None

    @property
    def hidden_size(self) -> int:
        """The cell's hidden size: features per step of the output."""
        return int(self.cell.hidden_size)

    @property
    def input_size(self) -> int | None:
        """The cell's input size, or None for a cell that does not declare one."""
        return getattr(self.cell, "input_size", None)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype inputs are converted to: the cell's `dtype`, else its first parameter's."""
        dtype = getattr(self.cell, "dtype", None)
        if isinstance(dtype, np.dtype):
            return dtype
        for param in self.cell.parameters():
            return param.data.dtype
        return get_default_dtype()

    def reset_state(self) -> None:
        """Forget the carried state: the next forward starts from zeros (or its h0)."""
        self.h_n = None

    def initial_state(self, x: np.ndarray, h0: Any = None) -> State:
        """The state a forward on x (batch, time, input) starts from: h0 checked, else the
        carried `h_n` when stateful, else the cell's `initial_state` (zeros)."""
        batch, name = x.shape[0], type(self).__name__
        if h0 is None and self.stateful and self.h_n is not None:
            carried = state_output(self.h_n).shape[0]
            if carried != batch:
                raise ValueError(
                    f"{name} (stateful): the carried state has batch {carried}, the input has "
                    f"batch {batch}; call reset_state() first"
                )
            return self.h_n
        if h0 is None:
            make = getattr(self.cell, "initial_state", None)
            return make(batch, x) if make else np.zeros_like(x, shape=(batch, self.hidden_size))
        check = getattr(self.cell, "check_state", None)
        if check is not None:
            return check(h0, batch, name)
        if isinstance(h0, tuple):  # a cell with a tuple state and no check_state of its own
            return h0
        return checked_input(h0, x.dtype, (batch, self.hidden_size), name, "h0")

    def forward(self, x: Any, h0: Any = None, lengths: Any = None, mask: Any = None) -> np.ndarray:
        """x: (batch, time, input), h0: a state or None, lengths: (batch,), mask: (batch, time).

        Unbatched, as PyTorch: x (time, input), h0 (hidden,) (or a pair), mask (time,), no
        lengths -> (time, hidden) or (hidden,); `h_n` and `grad_h0` are then unbatched too.
        """
        name = type(self).__name__
        # (The checks below run only for the options in use: a plain call stays short.)
        unbatched = not (isinstance(x, np.ndarray) and x.ndim == 3) and is_unbatched(x, 3)
        if unbatched:
            x, h0, mask = self._as_batch_of_one(x, h0, lengths, mask)
        spec = ("batch", "time", self.input_size or "input")
        x = checked_input(x, self.dtype, spec, name, unbatched=True)
        check_not_empty(x, name)
        batch, steps = x.shape[:2]
        state = self.initial_state(x, h0)
        if self.go_backwards:  # the kernels then run as usual; backward re-reverses dx
            if lengths is not None:
                raise ValueError(f"{name}: go_backwards does not take lengths= (use mask=)")
            x = x[:, ::-1]
            if mask is not None and np.ndim(mask) == 2:  # (another shape: step_masks says so)
                mask = np.asarray(mask)[:, ::-1]
        run = shown = input_mask = recurrent_mask = None
        if lengths is not None or mask is not None:
            run, shown = step_masks(lengths, mask, batch, steps, name)
            x = np.where(run.T[:, :, None], x, 0)  # skipped steps are never read (may be nan)
        if self.training and (self.dropout or self.recurrent_dropout):
            input_mask, recurrent_mask = draw_masks(self, x)
        if input_mask is not None:
            x = x * input_mask[:, None, :]  # one mask for every step of a sequence
        # Recurrent dropout acts inside the step, which the fused kernels do not model: it
        # runs the step-by-step path, through the cell's own forward and backward. So does a
        # single step (sampling, streaming): a kernel's setup (weight layouts, the input
        # projection of all steps) costs more than it saves on one step (bench_inference.py).
        if type(self.cell) in FUSED_KERNELS and recurrent_mask is None and steps > 1:
            outputs, last, cache = self._forward_fused(x, state, run)
        else:
            outputs, last, cache = self._forward_steps(x, state, run, recurrent_mask)
        call = (self.go_backwards, unbatched, input_mask, recurrent_mask)
        self.save_for_backward((cache, x.shape, last, run, shown, call))
        self.h_n = map_state(np.copy, last)  # the caller's to keep: never a view of the cache
        if not self.return_sequences:
            outputs = state_output(self.h_n).copy()
            if run is not None:  # Keras: no unmasked step at all gives a zero output
                outputs[~run.any(axis=0)] = 0
        elif shown is not None:
            outputs[~shown.T] = 0
        if unbatched:
            self.h_n = drop_batch_axis(self.h_n)
            return outputs[0]
        return outputs

    def _as_batch_of_one(self, x: Any, h0: Any, lengths: Any, mask: Any) -> tuple[Any, Any, Any]:
        """An unbatched call's (x, h0, mask) with a batch axis of one added."""
        name = type(self).__name__
        if lengths is not None:
            raise ValueError(f"{name}: an unbatched input (time, input) takes no lengths")
        if h0 is None and self.stateful and self.h_n is not None:
            if state_output(self.h_n).ndim == 1:  # carried from an unbatched call
                h0 = self.h_n
        mask = add_batch_axis(mask, name, "mask")
        return np.asarray(x)[None], add_batch_axis(h0, name, "h0"), mask

    def _forward_fused(self, x: np.ndarray, state: State, mask: np.ndarray | None) -> Any:
        forward = FUSED_KERNELS[type(self.cell)][0]
        options = {"nonlinearity": self.cell.nonlinearity} if type(self.cell) is RNNCell else {}
        weights = [param.data for param in _built_in_parameters(self.cell)]
        # Time-major inside: each step then reads one contiguous (batch, features) block.
        x_time_major = np.ascontiguousarray(x.transpose(1, 0, 2))
        h, last, cache = forward(x_time_major, state, *weights, mask=mask, **options)
        return h.transpose(1, 0, 2).copy(), last, cache

    def _forward_steps(
        self, x: np.ndarray, state: State, mask: np.ndarray | None, recurrent_mask: Any = None
    ) -> Any:
        outputs = np.empty_like(x, shape=x.shape[:2] + (self.hidden_size,), order="C")
        for t in range(x.shape[1]):
            # The cell reads h_{t-1} through the recurrent dropout mask; the state carried on
            # (and over masked steps) is the undropped one.
            new_state = self.cell(x[:, t], scale_output(state, recurrent_mask))
            # A padded step keeps the sample's previous state (its cell call is discarded).
            state = new_state if mask is None else select_state(mask[t], new_state, state)
            outputs[:, t] = state_output(state)
        return outputs, state, None

    def backward(self, grad_output: Any = None, grad_h_n: Any = None) -> np.ndarray | None:
        """dL/d(outputs) and/or dL/d(h_n) -> dL/dx (batch, time, input); sets `grad_h0`.

        Adds into the cell's parameter gradients. Returns None (dx is not computed) when
        `needs_input_grad` is False.
        """
        cache, x_shape, last, mask, shown, call = self.pop_saved()
        reverse, unbatched, input_mask, recurrent_mask = call
        name, (batch, steps) = type(self).__name__, x_shape[:2]
        if unbatched:  # the gradients are unbatched like the call's results
            grad_output = None if grad_output is None else np.asarray(grad_output)[None]
            grad_h_n = add_batch_axis(grad_h_n, name, "grad_h_n")
        grad_state = self._checked_grad_h_n(grad_h_n, last)
        grad_sequence = None
        if grad_output is not None and self.return_sequences:
            grad_sequence = check_grad(grad_output, (batch, steps, self.hidden_size), name)
            if shown is not None:  # the zero outputs (padding, before a first step) are constant
                grad_sequence = np.where(shown.T[:, :, None], grad_sequence, 0)
            # A masked step's output is the carried state h_{t-1} = h_t: the kernels and the
            # step loop send its gradient back to the step that made it.
        elif grad_output is not None:  # many-to-one: the output is h_n's h
            grad_last = check_grad(grad_output, (batch, self.hidden_size), name)
            if mask is not None:
                grad_last = np.where(mask.any(axis=0)[:, None], grad_last, 0)
            grad_state = add_to_output(grad_state, grad_last)
        if cache is None:
            grad_x, self.grad_h0 = self._backward_steps(
                grad_sequence, grad_state, steps, mask, recurrent_mask
            )
        else:
            backward = FUSED_KERNELS[type(self.cell)][1]
            grad_h = None if grad_sequence is None else grad_sequence.transpose(1, 0, 2)
            grad_x, self.grad_h0, grads = backward(
                grad_h, grad_state, cache, needs_input_grad=self.needs_input_grad
            )
            for param, grad in zip(_built_in_parameters(self.cell), grads, strict=True):
                param.grad += grad
            grad_x = None if grad_x is None else grad_x.transpose(1, 0, 2)
        if unbatched:
            self.grad_h0 = drop_batch_axis(self.grad_h0)
        if grad_x is None:
            return None
        if input_mask is not None:  # x_t * mask: dx_t = dL/d(x_t * mask) * mask
            grad_x = grad_x * input_mask[:, None, :]
        grad_x = (grad_x[:, ::-1] if reverse else grad_x).copy()  # x was read in reverse
        return grad_x[0] if unbatched else grad_x

    def _backward_steps(
        self,
        grad_sequence: np.ndarray | None,
        grad_state: State,
        steps: int,
        mask: Any,
        recurrent_mask: Any = None,
    ) -> tuple[np.ndarray | None, State]:
        """BPTT through the cell's own backward, from the last step to the first."""
        grad_x = None
        for t in range(steps - 1, -1, -1):
            # dL/dh_t in total: what step t + 1 sent back, plus the gradient of output t.
            if grad_sequence is not None:
                grad_state = add_to_output(grad_state, grad_sequence[:, t])
            if mask is None:
                grad_x_t, grad_read = self.cell.backward(grad_state)
                # The cell read h_{t-1} * recurrent_mask: the mask scales its gradient too.
                grad_state = scale_output(grad_read, recurrent_mask)
            else:
                # A padded step passed the state on unchanged: its gradient goes straight
                # back to step t - 1; the cell's call there gets none.
                zero = map_state(np.zeros_like, grad_state)
                grad_x_t, grad_read = self.cell.backward(select_state(mask[t], grad_state, zero))
                grad_prev = scale_output(grad_read, recurrent_mask)
                grad_state = map_state(np.add, grad_prev, select_state(mask[t], zero, grad_state))
            if not self.needs_input_grad:
                continue
            if grad_x_t is None:
                raise RuntimeError(
                    f"{type(self.cell).__name__}.backward returned no input gradient (its "
                    f"needs_input_grad is False) but the {type(self).__name__} running it needs one"
                )
            if grad_x is None:
                shape = (grad_x_t.shape[0], steps) + grad_x_t.shape[1:]
                grad_x = np.empty_like(grad_x_t, shape=shape, order="C")
            grad_x[:, t] = grad_x_t
        return grad_x, grad_state

    def _checked_grad_h_n(self, grad_h_n: Any, last: State) -> State:
        """dL/d(h_n) in the state's structure (zeros where None), checked against h_n."""
        name = type(self).__name__
        if grad_h_n is None:
            return map_state(np.zeros_like, last)
        if isinstance(last, np.ndarray):
            grad = check_grad(grad_h_n, last.shape, name, "grad_h_n", "like h_n")
            return grad.astype(last.dtype, copy=True)
        if not isinstance(grad_h_n, (tuple, list)) or len(grad_h_n) != len(last):
            raise TypeError(
                f"{name}.backward: expected grad_h_n as a tuple of {len(last)} arrays like h_n "
                f"(or None), got {type(grad_h_n).__name__}"
            )
        return tuple(
            np.zeros_like(part)
            if grad is None
            else check_grad(grad, part.shape, name, "grad_h_n", "like h_n").astype(
                part.dtype, copy=True
            )
            for grad, part in zip(grad_h_n, last, strict=True)
        )

    def extra_repr(self) -> str:
        text = f"return_sequences={self.return_sequences}, stateful={self.stateful}"
        for option in ("dropout", "recurrent_dropout"):
            if getattr(self, option):
                text += f", {option}={getattr(self, option)}"
        return text + (", go_backwards=True" if self.go_backwards else "")
