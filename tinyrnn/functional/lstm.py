"""The LSTM over a whole sequence: forward and BPTT, PyTorch's gate order (i, f, g, o).

The same shape as `recurrent.py`'s kernels (read its docstring); the state is the pair (h, c).
With W = [W_i; W_f; W_g; W_o] stacked along the first axis (4 * hidden rows):

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, split into a_i, a_f, a_g, a_o
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

How it is fast (us per call, float32, char shape B=1, H=100 / medium B=32, H=128, from
benchmarks/micro_kernel_ops.py; whole-kernel A/B in benchmarks/NOTES.md, "Gated kernels":
forward + backward 0.78x of the previous kernels at char, 0.75x at medium, one BLAS thread):
- Gate-major: the gates live in one (4, time, batch, hidden) array, each gate's (batch, hidden)
  block contiguous (`empty_gates`): a multiply on one gate takes 0.66 us instead of 2.22 on a
  column slice of a (batch, 4 * hidden) matrix (medium). With batch 1 the memory is step-major,
  so a step's 4 gates are one block too (a tanh over them: 0.41 instead of 1.31 us) and the
  step's product is one GEMV (2.31 instead of 2.74 us for 4 stacked products; at batch > 1 the
  stacked products are the faster). The gates stay in PyTorch's order, so the weights are
  never reordered (copies that cost 16% of a kernel pass at seed size, 2% at char): the three
  gates dL/dc_t feeds (i, f, g) are one slice backward, and forward turns all four tanh
  values into gates at once: times `SIGMOID_HALF`, plus `SIGMOID_SHIFT` (g: times 1, plus 0).
- sigmoid(a) = 0.5 * tanh(a / 2) + 0.5, with a / 2 folded into the weights: scaling by 0.5 is
  exact in binary floating point, so the product is exactly half of a_t and all four gates take
  one np.tanh call; the three sigmoids cost 1.00 us instead of 4.59 (char), 6.4 instead of 23
  (medium). Trade-off: a sigmoid below ~1e-16 (float32: 6e-8) rounds to 0: the absolute error
  stays below that, relative precision in that tail is lost; float64 parity with PyTorch
  (1e-10) does not see it. The cells keep the stable sigmoid.
- Positional `out` arguments and array constants (a multiply by a 0-d 0.5: 0.33 instead of 0.67
  us at char for a Python float), preallocated work arrays (no temporaries in either loop),
  tanh(c_t) cached.
- Backward: every per-step multiplier (gate derivatives times what they multiply) is computed
  for all steps at once before the loop; the loop only scales them by dL/dc_t or dL/dh_t (7
  NumPy calls per step instead of ~25).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .recurrent import empty_gates, gate_blocks, project_inputs, sum_over_steps

State = tuple[np.ndarray, np.ndarray]
# Per gate (i, f, g, o), sigmoid(a) = 0.5 tanh(a / 2) + 0.5: the scale 0.5 (of a, folded into
# the weights, and of the tanh) and the shift 0.5 of the sigmoids; g (tanh) gets 1 and 0, which
# change nothing. float32: exact, and float64 arrays times them stay float64.
SIGMOID_HALF = np.array([0.5, 0.5, 1, 0.5], dtype=np.float32).reshape(4, 1, 1)
SIGMOID_SHIFT = np.array([0.5, 0.5, 0, 0.5], dtype=np.float32).reshape(4, 1, 1)


@functools.lru_cache(maxsize=32)
def _sigmoid_constants(dtype: np.dtype[Any], width: int) -> tuple[np.ndarray, np.ndarray]:
    """SIGMOID_HALF and SIGMOID_SHIFT as read-only (4, 1, width) arrays of `dtype`.

    At batch 1 (width = hidden) a step's gates and these have the same shape: NumPy's loop then
    takes 0.33 us a call where a broadcast (4, 1, 1) operand takes 1.05 (char: -6% a pass).
    """
    constants = tuple(
        np.broadcast_to(k, (4, 1, width)).astype(dtype) for k in (SIGMOID_HALF, SIGMOID_SHIFT)
    )
    for constant in constants:
        constant.flags.writeable = False
    return constants[0], constants[1]


def lstm_forward(
    x: np.ndarray,
    state0: State,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None = None,
    bias_hh: np.ndarray | None = None,
    *,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, State, tuple[Any, ...]]:
    """x: (time, batch, input), (h0, c0) -> (h (time, batch, hidden), (h_T, c_T), cache)."""
    h0, c0 = state0
    steps, batch, _ = x.shape
    hidden = weight_hh.shape[1]
    # gates[k, t]: gate k's a_t (halved for the sigmoids), the input's part first (all steps).
    gates = empty_gates(h0, 4, steps, batch, hidden)
    project_inputs(x, gate_blocks(weight_ih, SIGMOID_HALF), gates)
    if bias_ih is not None and bias_hh is not None:
        gates += gate_blocks((bias_ih + bias_hh)[:, None], SIGMOID_HALF).reshape(4, 1, 1, hidden)
    # Row 0 holds h0 / c0, row t + 1 holds h_t / c_t: h_{t-1} of every step is one view.
    h = np.empty_like(h0, shape=(steps + 1, batch, hidden), order="C")
    c = np.empty_like(h)
    h[0], c[0] = h0, c0
    tanh_c = np.empty_like(h[1:])  # cached for backward, which needs tanh(c_t) too
    weight_hh_blocks = gate_blocks(weight_hh, SIGMOID_HALF)
    recurrent, product = np.empty_like(h0, shape=(4, batch, hidden)), np.empty_like(h0)
    if batch == 1:  # the gates' (1, hidden) blocks are one row: one GEMV per step (-2 us)
        weight_hh_t = np.ascontiguousarray(weight_hh_blocks.reshape(-1, hidden).T)
    else:  # each (W_hh,k / 2)^T contiguous: the step's product is plain GEMMs in one call
        weight_hh_t = np.ascontiguousarray(weight_hh_blocks.transpose(0, 2, 1))
    scale, shift = _sigmoid_constants(gates.dtype, hidden if batch == 1 else 1)
    matmul, add, multiply, tanh = np.matmul, np.add, np.multiply, np.tanh
    for t in range(steps):
        a = gates[:, t]
        if batch == 1:
            np.dot(h[t], weight_hh_t, recurrent.reshape(1, -1))
        else:
            matmul(h[t], weight_hh_t, recurrent)
        add(a, recurrent, a)  # (a_t of each gate), the sigmoids' halved
        tanh(a, a)  # g = tanh(a_g); i, f, o = tanh(a / 2) so far
        multiply(a, scale, a)  # sigmoid(a) = 0.5 tanh(a / 2) + 0.5; g times 1, plus 0
        add(a, shift, a)
        i, f, g, o = a
        multiply(f, c[t], c[t + 1])  # c_t = f c_{t-1} + i g
        add(c[t + 1], multiply(i, g, product), c[t + 1])
        tanh(c[t + 1], tanh_c[t])  # h_t = o tanh(c_t)
        multiply(o, tanh_c[t], h[t + 1])
        if mask is not None:  # skipped steps carry (h, c) over
            skip = ~mask[t, :, None]
            np.copyto(h[t + 1], h[t], where=skip)
            np.copyto(c[t + 1], c[t], where=skip)
    cache = (x, h, c, gates, tanh_c, weight_ih, weight_hh, bias_ih is not None, mask)
    return h[1:], (h[-1], c[-1]), cache


def lstm_backward(
    grad_h: np.ndarray | None,
    grad_state_n: tuple[np.ndarray | None, np.ndarray | None] | None,
    cache: tuple[Any, ...],
    *,
    needs_input_grad: bool = True,
) -> tuple[np.ndarray | None, State, tuple[np.ndarray, ...]]:
    """BPTT over `lstm_forward`'s cache -> (dx (time, batch, input), (dh0, dc0), grads)."""
    x, h, c, gates, tanh_c, weight_ih, weight_hh, has_bias, mask = cache
    hidden = h.shape[2]
    i, f, g, o = gates
    # Every step's multipliers at once (s' = s (1 - s), tanh' = 1 - tanh^2), from h_t = o
    # tanh(c_t) and c_t = f c_{t-1} + i g:  dL/da_o = dL/dh_t [tanh(c_t) o (1 - o)] and
    # dL/da_{i, f, g} = dL/dc_t [g i (1 - i), c_{t-1} f (1 - f), i (1 - g^2)], where
    # dL/dc_t = dL/dc_t (from c_{t+1}) + dL/dh_t [o (1 - tanh(c_t)^2)].
    # grad_a starts as these multipliers; the loop scales them in place.
    grad_a = np.subtract(1, gates)  # s (1 - s) for every gate, g's slot replaced below
    grad_a *= gates
    np.square(g, grad_a[2])  # tanh' = 1 - g^2
    np.subtract(1, grad_a[2], grad_a[2])
    for da, factor in zip(grad_a, (g, c[:-1], i, tanh_c), strict=True):
        da *= factor
    through_h = np.square(tanh_c)  # dL/dh_t -> dL/dc_t
    np.subtract(1, through_h, through_h)
    through_h *= o
    carry, direct = f, None  # dL/dc_{t-1} = dL/dc_t f;  dL/dh_{t-1} gets dL/dh_t * direct
    if mask is not None:
        # A skipped step copied (h, c) over: no gradient to its gates, dh and dc pass through.
        keep = mask[:, :, None]
        grad_a *= keep
        through_h *= keep
        carry, direct = np.where(keep, f, 1).astype(f.dtype), (~keep).astype(f.dtype)
    grad_h_n, grad_c_n = (None, None) if grad_state_n is None else grad_state_n
    dh = np.zeros_like(h[0]) if grad_h_n is None else grad_h_n.astype(h.dtype, order="C")
    dc = np.zeros_like(c[0]) if grad_c_n is None else grad_c_n.astype(c.dtype, order="C")
    weight_hh_blocks = weight_hh.reshape(4, hidden, hidden)  # W_hh,k of each gate k
    batch = dh.shape[0]
    recurrent, product = np.empty_like(dh, shape=(4, batch, hidden)), np.empty_like(dh)
    matmul, add, multiply = np.matmul, np.add, np.multiply
    for t in range(h.shape[0] - 2, -1, -1):
        if grad_h is not None:
            add(dh, grad_h[t], dh)
        add(dc, multiply(dh, through_h[t], product), dc)  # dL/dc_t
        da = grad_a[:, t]
        multiply(da[:3], dc, da[:3])  # i, f, g
        multiply(da[3], dh, da[3])  # o
        multiply(dc, carry[t], dc)  # dL/dc_{t-1}
        # dL/dh_{t-1} = sum over gates k of dL/da_k W_hh,k: the GEMMs of the loop.
        if direct is not None:
            multiply(dh, direct[t], product)
        if batch == 1:  # one GEMV, as forward
            np.dot(da.reshape(1, -1), weight_hh, dh)
        else:
            add.reduce(matmul(da, weight_hh_blocks, recurrent), axis=0, out=dh)
        if direct is not None:
            add(dh, product, dh)
    order = range(4)  # the slots of PyTorch's (i, f, g, o): the weights' own row blocks
    grad_x, grads = sum_over_steps(
        grad_a, grad_a, x, h[:-1], weight_ih, has_bias, needs_input_grad, order, order
    )
    return grad_x, (dh, dc), grads
