"""The vanilla RNN over a whole sequence: forward, and backpropagation through time (BPTT).

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    h_t = f(a_t)                                  (f = tanh or relu)

Every sequence kernel (this one, `lstm`, `gru`) has the same shape:

    h, state_T, cache = <cell>_forward(x, state0, weight_ih, weight_hh, bias_ih, bias_hh, mask=)
    dx, grad_state0, grads = <cell>_backward(grad_h, grad_state_T, cache, needs_input_grad=)

time-major: `x` is (time, batch, input) and `h` (time, batch, hidden), so that each step reads
one contiguous (batch, hidden) block. `state0`/`state_T` are h (an LSTM's: the pair (h, c)).
`mask` (time, batch) bool, or None: where False, the step is skipped for that sample and its
state carried over unchanged (padding, or a masked step); it then gets no gradient either.
`grad_h` is dL/dh_t from outside the recurrence (or None), `grad_state_T` dL/d(state_T) (or
None); `grads` are the gradients of (weight_ih, weight_hh, bias_ih, bias_hh), without the
biases when there are none. `dx` is None when `needs_input_grad` is False.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _relu(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=out)


# np.tanh itself rather than functional.tanh: the loop calls it once per step.
_ACTIVATIONS: dict[str, Callable[..., Any]] = {"tanh": np.tanh, "relu": _relu}


def check_nonlinearity(nonlinearity: str) -> None:
    """Raise ValueError unless `nonlinearity` is "tanh" or "relu"."""
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def activation_derivative(nonlinearity: str, h: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f'(a) written into `out`, from h = f(a): 1 - h^2 for tanh, [h > 0] for relu."""
    if nonlinearity == "tanh":
        np.square(h, out=out)
        return np.subtract(1, out, out=out)
    # relu: h >= 0, so sign(h) is exactly 1 where h > 0 and 0 where h = 0 (PyTorch's choice).
    return np.sign(h, out=out)


def empty_gates(like: np.ndarray, gates: int, steps: int, batch: int, hidden: int) -> np.ndarray:
    """An uninitialised (gates, time, batch, hidden) array, one contiguous block per gate.

    With batch 1 its memory is step-major instead, (time, gates, 1, hidden) seen transposed:
    then all gates of a step are one contiguous block too, which NumPy's elementwise loops run
    ~6x faster than the same block strided over gates (0.4 vs 2.5 us for a tanh of 4 x 100),
    and each step's product is one GEMV. At batch > 1 the copies that layout would need before
    the weight gradients' GEMMs cost about what it saves.
    """
    if batch == 1:
        return np.empty_like(like, shape=(steps, gates, batch, hidden)).transpose(1, 0, 2, 3)
    return np.empty_like(like, shape=(gates, steps, batch, hidden), order="C")


def gate_blocks(weight: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(gates * hidden, n) rows -> a (gates, hidden, n) copy with gate k's block times scale[k].

    scale: (gates, 1, 1); the gated kernels halve their sigmoids' rows with it (exactly).
    """
    return np.multiply(weight.reshape(len(scale), -1, weight.shape[-1]), scale)


def project_inputs(x: np.ndarray, weight_blocks: np.ndarray, gates: np.ndarray) -> None:
    """gates[k] = x W_k^T for every gate k.  x: (time, batch, input), weight_blocks: (gates,
    hidden, input), gates: `empty_gates`'s (gates, time, batch, hidden), written in place.

    The input's part of every step does not depend on h: it is computed for all steps outside
    the loop. np.matmul: BLAS reads the transposed and strided views as they are (np.dot would
    copy them).
    """
    slots, steps, batch, hidden = gates.shape
    x_rows = x.reshape(steps * batch, -1)
    if batch == 1:  # step-major memory: all gates of all steps are one (time, gates * hidden)
        # block, filled by one GEMM instead of one per gate (a kernel pass at seed -5%, char -2%)
        step_rows = gates.transpose(1, 0, 2, 3).reshape(steps, slots * hidden)  # a view
        np.matmul(x_rows, weight_blocks.reshape(slots * hidden, -1).T, step_rows)
        return
    for gate, weight in zip(gates, weight_blocks, strict=True):
        np.matmul(x_rows, weight.T, gate.reshape(-1, hidden))


def _in_order(blocks: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """blocks (slots, ...) -> the slots named by `order` (no copy when they already are)."""
    return blocks if tuple(order) == tuple(range(len(blocks))) else blocks[list(order)]


def sum_over_steps(
    grad_input_part: np.ndarray,
    grad_hidden_part: np.ndarray,
    x: np.ndarray,
    h_prev: np.ndarray,
    weight_ih: np.ndarray,
    has_bias: bool,
    needs_input_grad: bool,
    input_order: Sequence[int] = (0,),
    hidden_order: Sequence[int] = (0,),
) -> tuple[np.ndarray | None, tuple[np.ndarray, ...]]:
    """The gradients that are sums over every step, one GEMM per gate -> (dx or None, grads).

    grad_input_part: (slots, time, batch, hidden) gate-major (each gate's block contiguous, see
    lstm.py): dL/d(x_t W_ih^T + b_ih) per gate; `input_order` names the slot of each row block
    of the weights, in order. grad_hidden_part, hidden_order: the same for h_{t-1} W_hh^T + b_hh
    (the same array for RNN and LSTM, where both enter a_t alike). h_prev: (time, batch,
    hidden), h_{t-1} of every step. grads: (dW_ih, dW_hh[, db_ih, db_hh]).
    """
    rows, hidden = x.shape[0] * x.shape[1], h_prev.shape[2]
    x_rows = x.reshape(rows, -1)
    grads: list[np.ndarray] = []
    for part, order, inputs in (
        (grad_input_part, input_order, x_rows),
        (grad_hidden_part, hidden_order, h_prev.reshape(rows, hidden)),
    ):
        if x.shape[1] == 1:  # batch 1, step-major (see empty_gates): a step's slots are a row
            blocks = np.matmul(part.transpose(1, 2, 0, 3).reshape(rows, -1).T, inputs)
            blocks = _in_order(blocks.reshape(len(part), hidden, -1), order)
            grads.append(blocks.reshape(-1, inputs.shape[1]))
            continue
        weight_grad = np.empty_like(x, shape=(len(order) * hidden, inputs.shape[1]))
        for k, slot in enumerate(order):  # dW block k = sum over t, b of da_k^T [x or h_{t-1}]
            block = weight_grad[k * hidden : (k + 1) * hidden]
            # 2-D products: BLAS reads the strided views as they are (a stacked matmul on
            # strided operands does not: 0.45 ms instead of 0.03 at char)
            np.matmul(part[slot].reshape(rows, hidden).T, inputs, block)
        grads.append(weight_grad)
    if has_bias:
        for part, order in ((grad_input_part, input_order), (grad_hidden_part, hidden_order)):
            grads.append(_in_order(part.sum(axis=(1, 2)), order).reshape(-1))
    grad_x = None
    if needs_input_grad:  # dx_t = sum over gates k of da_k W_ih,k
        grad_x = np.zeros_like(x)
        grad_x_rows, product = grad_x.reshape(rows, -1), np.empty_like(x_rows)
        for k, slot in enumerate(input_order):
            weight_block = weight_ih[k * hidden : (k + 1) * hidden]
            grad_x_rows += np.matmul(
                grad_input_part[slot].reshape(rows, hidden), weight_block, product
            )
    return grad_x, tuple(grads)


def rnn_forward(
    x: np.ndarray,
    state0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None = None,
    bias_hh: np.ndarray | None = None,
    *,
    nonlinearity: str = "tanh",
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...]]:
    """x: (time, batch, input), h0 (batch, hidden) -> (h (time, batch, hidden), h_T, cache)."""
    h0 = state0
    check_nonlinearity(nonlinearity)
    activation = _ACTIVATIONS[nonlinearity]
    steps, batch, inputs = x.shape
    # One array for h0 and every h_t: h_{t-1} of all steps is then the one view states[:-1].
    states = np.empty_like(h0, shape=(steps + 1,) + h0.shape, order="C")
    states[0] = h0
    h = states[1:]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    np.matmul(x.reshape(steps * batch, inputs), weight_ih.T, out=h.reshape(steps * batch, -1))
    if bias_ih is not None and bias_hh is not None:
        h += bias_ih + bias_hh
    # A contiguous W_hh^T makes each step's product a plain GEMM (BLAS is faster on it).
    weight_hh_t = np.ascontiguousarray(weight_hh.T)
    recurrent = np.empty_like(states[0])
    # In the loops: np.dot and ufuncs with out= (no temporaries, and a call costs less than
    # np.matmul or an in-place operator: 10-15% of a small step, where the calls are the time).
    dot, add = np.dot, np.add
    for t in range(steps):
        h_t = h[t]
        dot(states[t], weight_hh_t, out=recurrent)
        add(h_t, recurrent, out=h_t)
        activation(h_t, out=h_t)
        if mask is not None:  # skipped steps carry h_{t-1} over
            np.copyto(h_t, states[t], where=~mask[t, :, None])
    cache = (x, states, weight_ih, weight_hh, bias_ih is not None, nonlinearity, mask)
    return h, h[-1], cache


def rnn_backward(
    grad_h: np.ndarray | None,
    grad_state_n: np.ndarray | None,
    cache: tuple[Any, ...],
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, tuple[np.ndarray, ...]]:
    """BPTT over `rnn_forward`'s cache -> (dx (time, batch, input), dh0, grads)."""
    x, states, weight_ih, weight_hh, has_bias, nonlinearity, mask = cache
    steps, batch, inputs = x.shape
    h = states[1:]
    # grad_a[t] = dL/da_t = dL/dh_t * f'(a_t); f'(a_t) depends on h_t only: all steps at once.
    grad_a = activation_derivative(nonlinearity, h, out=np.empty_like(h))
    # dh: dL/dh_t in total, carried from step t+1 to t (dL/dh_T from outside to start).
    dh = (
        np.zeros_like(states[0])
        if grad_state_n is None
        else grad_state_n.astype(h.dtype, order="C")
    )
    dot, add, multiply = np.dot, np.add, np.multiply
    for t in range(steps - 1, -1, -1):
        grad_a_t = grad_a[t]
        if grad_h is not None:
            add(dh, grad_h[t], out=dh)
        multiply(grad_a_t, dh, out=grad_a_t)
        if mask is None:
            # dL/dh_{t-1} = dL/da_t W_hh: the one GEMM left in the loop.
            dot(grad_a_t, weight_hh, out=dh)
        else:
            # A skipped step copied h_{t-1}: its gradient goes straight through, none to a_t.
            keep = mask[t, :, None]
            grad_a_t *= keep
            dh = grad_a_t @ weight_hh + np.where(keep, 0, dh)
    grad_x, grads = sum_over_steps(
        grad_a[None], grad_a[None], x, states[:-1], weight_ih, has_bias, needs_input_grad
    )
    return grad_x, dh, grads
