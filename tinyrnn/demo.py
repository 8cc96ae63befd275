"""The seed demo: train RNN + Linear on the toy sequences with SGD, then generate a sequence."""

from __future__ import annotations

import numpy as np

from .data.toy import toy_continuation, toy_sequences
from .layers import RNN, Linear
from .losses import MSELoss
from .module import no_grad
from .optim import SGD
from .sequential import Sequential


def run_demo(epochs: int = 500, seed: int = 0, print_every: int = 10) -> list[float]:
    """Train, print the loss every `print_every` epochs and a generated sequence; -> losses."""
    rng = np.random.default_rng(seed)
    inputs, targets = toy_sequences(256, rng=rng)
    print(f"toy data: {inputs.shape[0]} sequences of {inputs.shape[1]} steps x {inputs.shape[2]}")
    print("rule: every step adds 0.1 to the first element; predict the next vector\n")

    model = Sequential(RNN(3, 16, return_sequences=False, rng=rng), Linear(16, 3, rng=rng))
    loss_fn = MSELoss()
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(loss)
        if epoch % print_every == 0 or epoch == 1:
            print(f"epoch {epoch:4d}  loss {loss:.6f}")

    # Generation: predict the next vector, append it to the window, and repeat.
    start, _ = toy_sequences(1, rng=rng)
    window = start[0]
    truth = toy_continuation(window, 5)
    print("\ninput sequence:")
    for vector in window:
        print("  " + "  ".join(f"{v:+.3f}" for v in vector))
    print("generated (left) vs true (right):")
    with no_grad():
        for true_vector in truth:
            predicted = model(window[None])[0]
            window = np.concatenate([window[1:], predicted[None]])
            left = "  ".join(f"{v:+.3f}" for v in predicted)
            right = "  ".join(f"{v:+.3f}" for v in true_vector)
            print(f"  {left}   |   {right}")
    print(f"\nloss fell from {losses[0]:.4f} to {losses[-1]:.6f} ({losses[0] / losses[-1]:.0f}x)")
    return losses
