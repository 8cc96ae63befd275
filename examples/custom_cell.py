"""A new recurrent cell from scratch (IndRNN): check its gradients, then train it in RNN(cell=...).

This is the code of docs/custom_layers.md, in the same order. `python examples/custom_cell.py`
trains for about 3 s; `--fast` runs a few steps only, in about 1 s (the test suite uses it).
Times measured with one BLAS thread (`OPENBLAS_NUM_THREADS=1 python ...`; see "BLAS threads" in
docs/training.md) on a shared 2-core machine under load.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import tinyrnn
from tinyrnn import functional as F


class IndRNNCell(tinyrnn.Module):
    """h_t = relu(x_t W_ih^T + b + u * h_{t-1}), u elementwise (one recurrent weight per unit).

    One step.  x_t: (batch, input), h_prev: (batch, hidden) -> h_t: (batch, hidden)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size  # RNN(cell=...) reads this
        dtype = tinyrnn.get_default_dtype() if dtype is None else dtype
        rng = tinyrnn.default_rng() if rng is None else rng
        bound = 1.0 / np.sqrt(input_size)
        shape = (hidden_size, input_size)
        self.weight_ih = tinyrnn.Parameter(rng.uniform(-bound, bound, shape), dtype)
        # u in [0, 1): each unit's memory decays at its own rate, and cannot blow up.
        self.weight_hh = tinyrnn.Parameter(rng.uniform(0.0, 1.0, hidden_size), dtype)
        self.bias = tinyrnn.Parameter(np.zeros(hidden_size), dtype)

    def initial_state(self, batch_size: int, like: np.ndarray) -> np.ndarray:
        """Optional: the state RNN starts from when given no h0 (zeros in this cell's dtype)."""
        dtype = self.weight_ih.data.dtype
        return np.zeros_like(like, dtype=dtype, shape=(batch_size, self.hidden_size))

    def forward(self, x_t: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        """x_t: (batch, input), h_prev: (batch, hidden) -> h_t: (batch, hidden)."""
        a = x_t @ self.weight_ih.data.T + self.bias.data + self.weight_hh.data * h_prev
        h_t = F.relu(a)
        # What backward needs (a no-op under tinyrnn.no_grad()).
        self.save_for_backward((x_t, h_prev, h_t))
        return h_t

    def backward(self, grad_h_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """dL/dh_t: (batch, hidden) -> (dL/dx_t (batch, input), dL/dh_prev (batch, hidden))."""
        x_t, h_prev, h_t = self.pop_saved()  # the latest forward not yet differentiated (LIFO)
        # h_t = relu(a),  a = x_t W^T + b + u * h_prev:
        #   da = dh_t * relu'(a)               relu'(a) = 1 where h_t > 0, else 0
        #   dW += da^T x_t,  db += sum_batch da,  du += sum_batch (da * h_prev)
        #   dx_t = da W,     dh_prev = da * u
        grad_a = grad_h_t * F.grad_relu(h_t)
        self.weight_ih.grad += grad_a.T @ x_t
        self.bias.grad += grad_a.sum(axis=0)
        self.weight_hh.grad += (grad_a * h_prev).sum(axis=0)
        return grad_a @ self.weight_ih.data, grad_a * self.weight_hh.data


def check_gradients() -> float:
    """Compare backward with finite differences in float64: the cell alone, then inside RNN."""
    rng = np.random.default_rng(0)
    cell = IndRNNCell(3, 4, dtype=np.float64, rng=rng)
    x_t, h_prev = rng.standard_normal((2, 3)), rng.uniform(0.1, 1.0, (2, 4))
    one_step = tinyrnn.gradcheck(cell, x_t, h_prev)  # dx_t, dh_prev and every parameter
    rnn = tinyrnn.RNN(cell=cell)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.uniform(0.1, 1.0, (2, 4))
    sequence = tinyrnn.gradcheck(rnn, x, h0)  # BPTT through the cell: dx, dh0, parameters
    worst = max(one_step.max_error, sequence.max_error)
    checked = len(one_step.errors) + len(sequence.errors)
    print(f"gradcheck passed: {checked} gradients, largest error {worst:.1e}")
    return worst


def sine_batch(
    rng: np.random.Generator, batch_size: int, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sine waves of random frequency and phase: x (batch, steps, 1) and y, the next values."""
    frequency = rng.uniform(0.1, 0.3, (batch_size, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (batch_size, 1))
    wave = np.sin(frequency * np.arange(steps + 1) + phase)[..., None]
    return wave[:, :-1], wave[:, 1:]


def train(steps: int, seed: int = 0) -> dict[str, Any]:
    """Fit RNN(cell=IndRNNCell) + Linear to predict the next value of a sine wave."""
    rng = np.random.default_rng(seed)
    model = tinyrnn.Sequential(
        tinyrnn.RNN(cell=IndRNNCell(1, 32, rng=rng)),  # (batch, time, 1) -> (batch, time, 32)
        tinyrnn.Linear(32, 1, rng=rng),  # one prediction per step: (batch, time, 1)
    )
    optimizer = tinyrnn.Adam(model.parameters(), lr=0.01)
    loss_fn = tinyrnn.MSELoss()
    losses = []
    for step in range(steps):
        x, y = sine_batch(rng, 32, 30)
        optimizer.zero_grad()
        losses.append(loss_fn(model(x), y))
        model.backward(loss_fn.backward())
        tinyrnn.clip_grad_norm(model.parameters(), max_norm=1.0)
        optimizer.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step:4d}  training loss {losses[-1]:.4f}")
    x, y = sine_batch(np.random.default_rng(seed + 1), 500, 30)
    with tinyrnn.no_grad():
        validation = loss_fn(model(x), y)
    repeat_last = float(np.mean((y - x) ** 2))  # a baseline: predict no change
    print(f"validation loss {validation:.4f}; repeating the last value scores {repeat_last:.4f}")
    return {"losses": losses, "validation": validation, "repeat_last": repeat_last}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Build, check and train an IndRNN cell.")
    parser.add_argument("--fast", action="store_true", help="a few training steps only")
    parser.add_argument("--steps", type=int, default=600, help="training steps (default 600)")
    args = parser.parse_args(argv)
    check_gradients()
    return train(30 if args.fast else args.steps)


if __name__ == "__main__":
    main()
