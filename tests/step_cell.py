"""Step-by-step twins of the built-in cells: the same math behind overridden forward/backward.

A recurrent layer runs the fused whole-sequence kernels only for cells of exactly the built-in
types (`tinyrnn.layers.rnn.FUSED_KERNELS`); these subclasses make it call the cell once per
step instead, so that tests can compare the two paths.
"""

from __future__ import annotations

import numpy as np

from tinyrnn import GRUCell, LSTMCell, RNNCell
from tinyrnn.layers.rnn import FUSED_KERNELS


class StepCell(RNNCell):
    """An RNNCell whose forward/backward are overridden: RNN must take the step-by-step path."""

    def forward(self, x, h_prev=None):
        return super().forward(x, h_prev)

    def backward(self, grad_output):
        return super().backward(grad_output)


class StepLSTMCell(LSTMCell):
    """An LSTMCell run step by step (see StepCell)."""


class StepGRUCell(GRUCell):
    """A GRUCell run step by step (see StepCell)."""


_TWINS = {RNNCell: StepCell, LSTMCell: StepLSTMCell, GRUCell: StepGRUCell}


def step_twin(cell):
    """A step-by-step cell with `cell`'s sizes, options and current weights (its own Parameters)."""
    options = {"nonlinearity": cell.nonlinearity} if isinstance(cell, RNNCell) else {}
    twin = _TWINS[type(cell)](
        cell.input_size,
        cell.hidden_size,
        cell.bias_ih is not None,
        dtype=cell.dtype,
        rng=np.random.default_rng(0),
        **options,
    )
    twin.load_state_dict(cell.state_dict())
    return twin


def uses_fused_kernels(layer) -> bool:
    """Whether a recurrent layer runs its cell through the fused whole-sequence kernels."""
    return type(layer.cell) in FUSED_KERNELS
