"""Recurrent models for the BPTT path tests, built and run through the public API only.

A case is (kind, size, general, lengths, return_sequences): kind is tanh, relu (RNN), lstm or
gru; size "small" is batch 2 x hidden 3, "large" batch 64 x hidden 260: 16,640 elements per
step, past the 16,384 where the kernels change strategy today, so that size-dependent branches
are taken (a large batch rather than a large hidden size keeps the weights small). `general`
wraps the built-in cell in a subclass whose forward and backward call super's, which RNN must
run step by step (the general path) instead of on its fused kernels.
"""

from __future__ import annotations

import numpy as np

import tinyrnn
from tinyrnn import GRUCell, LSTMCell, RNNCell

F64 = np.float64
INPUT = 3
SIZES = {"small": (2, 3, 4), "large": (64, 260, 3)}  # batch, hidden, time
KINDS = ["tanh", "relu", "lstm", "gru"]


class UserRNNCell(RNNCell):
    def forward(self, x, h_prev=None):
        return super().forward(x, h_prev)

    def backward(self, grad_output):
        return super().backward(grad_output)


class UserLSTMCell(LSTMCell):
    def forward(self, x, state=None):
        return super().forward(x, state)

    def backward(self, grad_output):
        return super().backward(grad_output)


class UserGRUCell(GRUCell):
    def forward(self, x, h_prev=None):
        return super().forward(x, h_prev)

    def backward(self, grad_output):
        return super().backward(grad_output)


def build(kind, size, general, return_sequences, seed=0):
    """A float64 RNN, LSTM or GRU (general: with a user cell), deterministic weights."""
    rng = np.random.default_rng(seed)
    hidden = SIZES[size][1]
    options = dict(dtype=F64, rng=rng)
    if kind in ("tanh", "relu"):
        if general:
            cell = UserRNNCell(INPUT, hidden, nonlinearity=kind, **options)
            return tinyrnn.RNN(cell=cell, return_sequences=return_sequences)
        return tinyrnn.RNN(
            INPUT, hidden, nonlinearity=kind, return_sequences=return_sequences, **options
        )
    layer = {"lstm": tinyrnn.LSTM, "gru": tinyrnn.GRU}[kind]
    if not general:
        return layer(INPUT, hidden, return_sequences=return_sequences, **options)
    cell_type = UserLSTMCell if kind == "lstm" else UserGRUCell
    return tinyrnn.RNN(cell=cell_type(INPUT, hidden, **options), return_sequences=return_sequences)


def inputs(kind, size, with_lengths, return_sequences, seed=1):
    """x, h0 (None without lengths: the zero-state path; LSTM: a pair), lengths, upstream."""
    rng = np.random.default_rng(seed)
    batch, hidden, time = SIZES[size]
    x = rng.standard_normal((batch, time, INPUT))
    lengths, h0 = None, None
    if with_lengths:
        lengths = np.arange(batch) % time + 1
        lengths[0] = time
        h0 = rng.standard_normal((batch, hidden)) * 0.5
        if kind == "lstm":
            h0 = (h0, rng.standard_normal((batch, hidden)) * 0.5)
    shape = (batch, time, hidden) if return_sequences else (batch, hidden)
    return x, h0, lengths, rng.standard_normal(shape)


def loss(model, x, h0, lengths, upstream) -> float:
    """sum(upstream * outputs), evaluated without caching (for finite differences)."""
    with tinyrnn.no_grad():
        return float(np.sum(upstream * model(x, h0=h0, lengths=lengths)))


def forward_backward(model, x, h0, lengths, upstream):
    """{name: array}: outputs, dL/dx, dL/dh0 (dL/dc0) and the parameter gradients."""
    model.zero_grad()
    y = np.array(model(x, h0=h0, lengths=lengths))
    dx = model.backward(upstream)
    found = {"output": y, "x": dx}
    if h0 is not None:
        grad_h0 = model.grad_h0
        grads = grad_h0 if isinstance(grad_h0, tuple) else (grad_h0,)
        found.update(zip(("h0", "c0")[: len(grads)], grads, strict=True))
    found.update({name: p.grad.copy() for name, p in model.cell.named_parameters()})
    return found
