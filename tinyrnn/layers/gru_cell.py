"""GRUCell: one step of the gated recurrent unit, PyTorch's gate order (r, z, n) and formula."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .cell import RecurrentCell


class GRUCell(RecurrentCell):
    """GRUCell(input_size, hidden_size, bias=True): one step of a GRU.

    x_t: (batch, input), h_prev: (batch, hidden) -> h_t: (batch, hidden)

        r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    `backward(dL/dh_t) -> (dL/dx_t, dL/dh_{t-1})`. Parameters as RNNCell's with 3 * hidden rows
    (blocks r, z, n).
    """

    gates = 3

    def forward(self, x: Any, h_prev: Any = None) -> np.ndarray:
        """x_t: (batch, input), h_prev: (batch, hidden) or None (zeros) -> h_t: (batch, hidden)."""
        x, h_prev = self.check_step(x, h_prev)
        a_x = x @ self.weight_ih.data.T  # the input's part of each gate, and h_{t-1}'s
        a_h = h_prev @ self.weight_hh.data.T
        if self.bias_ih is not None and self.bias_hh is not None:
            a_x += self.bias_ih.data
            a_h += self.bias_hh.data
        # The blocks of each: r, z, n. r and z in one sigmoid (fewer NumPy calls, see LSTMCell).
        size = self.hidden_size
        r_z = F.sigmoid(a_x[:, : 2 * size] + a_h[:, : 2 * size])
        r, z = r_z[:, :size], r_z[:, size:]
        h_n = a_h[:, 2 * size :]
        n = F.tanh(a_x[:, 2 * size :] + r * h_n)
        h = (1 - z) * n + z * h_prev
        self.save_for_backward((x, h_prev, r, z, n, h_n))  # h_n = h_{t-1} W_hn^T + b_hn
        return h

    def backward(self, grad_output: Any) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dh_t: (batch, hidden) -> (dL/dx_t (batch, input) or None, dL/dh_prev)."""
        x, h_prev, r, z, n, h_n = self.pop_saved()
        dh = self.check_grad(grad_output, h_prev)
        # h_t = (1 - z) n + z h_{t-1}: dn = dh (1 - z), dz = dh (h_{t-1} - n), and through
        # tanh and sigmoid to the pre-activations (derivatives 1 - n^2 and z (1 - z)).
        da_n = dh * (1 - z) * (1 - n * n)
        da_z = dh * (h_prev - n) * z * (1 - z)
        da_r = da_n * h_n * r * (1 - r)  # n's pre-activation holds r * h_n
        # The input's parts of the gates get (da_r, da_z, da_n); h_{t-1}'s get the same, but
        # r * da_n for n, as h_n enters multiplied by r.
        grad_a_x = np.concatenate((da_r, da_z, da_n), axis=1)
        grad_a_h = np.concatenate((da_r, da_z, da_n * r), axis=1)
        self.weight_ih.grad += grad_a_x.T @ x
        self.weight_hh.grad += grad_a_h.T @ h_prev
        if self.bias_ih is not None and self.bias_hh is not None:
            self.bias_ih.grad += grad_a_x.sum(axis=0)
            self.bias_hh.grad += grad_a_h.sum(axis=0)
        grad_x = grad_a_x @ self.weight_ih.data if self.needs_input_grad else None
        # dL/dh_{t-1}: through W_hh, and directly through z h_{t-1}.
        return self.step_result(grad_output, grad_x, grad_a_h @ self.weight_hh.data + dh * z)
