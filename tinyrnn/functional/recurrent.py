"""The vanilla RNN kernels: forward over time and backpropagation through time (BPTT).

They work time-major: `x` is (time, batch, input) and the states are (time, batch, hidden), so
that each step reads and writes one contiguous (batch, hidden) block.

    a_t = x_t W_ih^T + h_{t-1} W_hh^T + b        (b = b_ih + b_hh)
    h_t = f(a_t)                                 (f = tanh or relu)

`rnn_forward_states` and `rnn_backward_states` are the kernels the layers run. The states live
in one (time + 1, batch, hidden) array whose row 0 is h0, so that h_{t-1} of every step is one
contiguous view. The bias rides along as an input: with `with_ones(x)` as input and
`[W_ih | b]` as input weight, the input GEMM adds b and the weight-gradient GEMM returns
`[dW_ih | db]` (db = sum of dL/da_t is the product with the column of ones), so neither costs a
pass over the (time, batch, hidden) arrays. `rnn_forward` and `rnn_backward` are the same math
with h0, h and b apart.
"""

from __future__ import annotations

import numpy as np

from .activations import relu, tanh

_ACTIVATIONS = {"tanh": tanh, "relu": relu}


def check_nonlinearity(nonlinearity: str) -> None:
    """Raise ValueError unless `nonlinearity` is "tanh" or "relu"."""
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def with_ones(x: np.ndarray) -> np.ndarray:
    """x: (..., input) -> (..., input + 1), a trailing column of ones (the bias's input)."""
    out = np.empty_like(x, shape=x.shape[:-1] + (x.shape[-1] + 1,), order="C")
    out[..., :-1] = x
    out[..., -1] = 1
    return out


def rnn_forward_states(
    x: np.ndarray,
    states: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    nonlinearity: str = "tanh",
) -> np.ndarray:
    """x: (time, batch, input); states: C-contiguous (time + 1, batch, hidden), states[0] = h0.

    Fills states[1:] with h_1..h_T in place (a_t = x_t W_ih^T + h_{t-1} W_hh^T) and returns it.
    """
    check_nonlinearity(nonlinearity)
    if not states.flags.c_contiguous:
        raise ValueError("rnn_forward_states: states must be C-contiguous (it is written in place)")
    activation = _ACTIVATIONS[nonlinearity]
    steps, batch, inputs = x.shape
    h = states[1:]
    # The input projection does not depend on h: one GEMM for all steps, outside the loop.
    np.matmul(x.reshape(steps * batch, inputs), weight_ih.T, out=h.reshape(steps * batch, -1))
    # A contiguous copy of W_hh^T makes each step's GEMM a plain, untransposed one (faster; for
    # a single step the copy would cost more than it saves).
    weight_hh_t = np.ascontiguousarray(weight_hh.T) if steps > 1 else weight_hh.T
    recurrent = np.empty_like(states[0])
    # np.dot rather than np.matmul in the loops: the same BLAS call with less overhead per call.
    dot, add = np.dot, np.add
    h_prev = states[0]
    for h_t in h:  # iterating yields the (batch, hidden) views without Python indexing
        dot(h_prev, weight_hh_t, out=recurrent)
        add(h_t, recurrent, out=h_t)
        activation(h_t, out=h_t)
        h_prev = h_t
    return states


# From this many elements per step on, BPTT computes f'(a_t) step by step while h_t is in cache
# rather than in one pass before the loop: fewer passes over memory, more (cheap) calls.
STEPWISE_DERIVATIVE_SIZE = 16384


def _activation_derivative(nonlinearity: str, h: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f'(a) written into `out`, from h = f(a): 1 - h^2 for tanh, [h > 0] for relu."""
    if nonlinearity == "tanh":
        np.square(h, out=out)
        return np.subtract(1, out, out=out)
    # relu: h >= 0, so sign(h) is exactly 1 where h > 0 and 0 where h = 0 (PyTorch's choice).
    return np.sign(h, out=out)


def _scale_by_derivative(
    nonlinearity: str, grad: np.ndarray, h: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """out = grad * f'(a) from h = f(a), without a temporary: grad - grad h h for tanh."""
    if nonlinearity == "tanh":
        np.multiply(grad, h, out=out)
        np.multiply(out, h, out=out)
        return np.subtract(grad, out, out=out)
    np.sign(h, out=out)
    return np.multiply(out, grad, out=out)


def rnn_backward_states(
    grad_h: np.ndarray,
    states: np.ndarray,
    x: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    nonlinearity: str = "tanh",
    grad_a: np.ndarray | None = None,
    grad_x_out: np.ndarray | None = None,
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """BPTT over the states of `rnn_forward_states`.

    grad_h: dL/dh_t from outside the recurrence, (time, batch, hidden) of any strides, or
    (batch, hidden) for the last step alone (many-to-one). grad_a: optional C-contiguous
    (time, batch, hidden) scratch for dL/da_t, overwritten (a caller reuses it across calls).
    grad_x_out: optional C-contiguous array of x's shape to write dx into; it may be `x`
    itself, which is last read before dx is written. needs_input_grad=False skips dx (None).
    Returns (dx (time, batch, input) or None, dh0 (batch, hidden), dW_ih, dW_hh).
    """
    check_nonlinearity(nonlinearity)
    steps, batch, inputs = x.shape
    hidden = states.shape[2]
    h = states[1:]
    if grad_a is None:
        grad_a = np.empty_like(h)
    # dL/da_t = (grad_h[t] + dL/dh_t through a_{t+1}) * f'(a_t). f'(a_t) depends only on h_t:
    # for small steps computed for every step at once into grad_a, then scaled step by step.
    stepwise = h[0].size >= STEPWISE_DERIVATIVE_SIZE
    if not stepwise:
        _activation_derivative(nonlinearity, h, out=grad_a)
    sequence = grad_h.ndim == 3
    grad_h_next = np.empty_like(states[0])  # dL/dh_t through a_{t+1} (none after the last step)
    dot, add, multiply = np.dot, np.add, np.multiply
    # Every elementwise op writes into one of its inputs: for arrays past the L1 cache that is
    # about twice as fast as writing a third array.
    for t in range(steps - 1, -1, -1):
        grad_a_t = grad_a[t]
        if t == steps - 1:
            incoming = grad_h[t] if sequence else grad_h
        elif sequence:
            incoming = add(grad_h_next, grad_h[t], out=grad_h_next)
        else:
            incoming = grad_h_next
        if stepwise:
            _scale_by_derivative(nonlinearity, incoming, h[t], out=grad_a_t)
        else:
            multiply(grad_a_t, incoming, out=grad_a_t)
        # The recurrent part, dL/dh_{t-1} = dL/da_t W_hh: the one GEMM left in the loop.
        dot(grad_a_t, weight_hh, out=grad_h_next)
    # Every other gradient is a sum over steps of an outer product: one GEMM each, after the loop.
    rows = steps * batch
    grad_a_flat = grad_a.reshape(rows, hidden)
    grad_weight_ih = grad_a_flat.T @ x.reshape(rows, inputs)
    # h_{t-1} for every step is states[:-1], the same rows shifted by one step.
    grad_weight_hh = grad_a_flat.T @ states[:-1].reshape(rows, hidden)
    if not needs_input_grad:
        return None, grad_h_next, grad_weight_ih, grad_weight_hh
    out = None if grad_x_out is None else grad_x_out.reshape(rows, inputs)
    grad_x = np.matmul(grad_a_flat, weight_ih, out=out).reshape(steps, batch, inputs)
    return grad_x, grad_h_next, grad_weight_ih, grad_weight_hh


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias: np.ndarray | None = None,
    nonlinearity: str = "tanh",
) -> np.ndarray:
    """x: (time, batch, input), h0: (batch, hidden) -> h: (time, batch, hidden), every state."""
    if bias is not None:
        x, weight_ih = with_ones(x), np.concatenate((weight_ih, bias[:, None]), axis=1)
    states = np.empty_like(h0, shape=(x.shape[0] + 1,) + h0.shape, order="C")
    states[0] = h0
    return rnn_forward_states(x, states, weight_ih, weight_hh, nonlinearity)[1:]


def rnn_backward(
    grad_h: np.ndarray,
    h: np.ndarray,
    x: np.ndarray,
    h0: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BPTT. grad_h: (time, batch, hidden) dL/dh_t from outside the recurrence.

    Returns (dx (time, batch, input), dh0 (batch, hidden), dW_ih, dW_hh, db (hidden,)).
    """
    states = np.concatenate((h0[None], h))
    # A zero bias column: the kernel's weight gradient then carries db = sum of dL/da_t.
    weight = np.concatenate((weight_ih, np.zeros_like(weight_ih[:, :1])), axis=1)
    grad_x, grad_h0, grad_weight, grad_weight_hh = rnn_backward_states(
        grad_h, states, with_ones(x), weight, weight_hh, nonlinearity
    )
    assert grad_x is not None
    grad_bias = grad_weight[:, -1].copy()
    return (
        np.ascontiguousarray(grad_x[..., :-1]),
        grad_h0,
        np.ascontiguousarray(grad_weight[:, :-1]),
        grad_weight_hh,
        grad_bias,
    )
