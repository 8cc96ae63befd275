"""StepCell: the built-in RNNCell's math behind overridden forward/backward, so that RNN runs it
on the general (one call per step) path. Several test files compare that path with the fast one."""

from __future__ import annotations

from tinyrnn import RNNCell


class StepCell(RNNCell):
    """An RNNCell whose forward/backward are overridden: RNN must take the general path."""

    def forward(self, x, h_prev=None):
        return super().forward(x, h_prev)

    def backward(self, grad_output):
        return super().backward(grad_output)
