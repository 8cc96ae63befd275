"""The contenders of bench_step.py, for `layer` in "rnn", "lstm", "gru".

Each builder returns a `Contender`: a zero-argument training step and a probe reading, after a
step, its loss, gradients and updated parameters (None for the bare GEMMs). All start from the
same float32 weights (read from a seeded tinyrnn model) and data, so their work is identical;
none computes dL/dx for the data x (PyTorch skips it for an input that does not require grad;
the tinyrnn model has `needs_input_grad = False`; the NumPy loop never computes it). Only
tinyrnn's public API is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from _numpy_loops import loss_and_grads

import tinyrnn

LR = 0.01
DTYPE = np.float32
LAYERS = {"rnn": (tinyrnn.RNN, 1), "lstm": (tinyrnn.LSTM, 4), "gru": (tinyrnn.GRU, 3)}  # gates
# tinyrnn's parameter names -> the names used here (PyTorch's, the Linear as "fc").
NAMES = {
    "0.cell.weight_ih": "weight_ih",
    "0.cell.weight_hh": "weight_hh",
    "0.cell.bias_ih": "bias_ih",
    "0.cell.bias_hh": "bias_hh",
    "1.weight": "fc.weight",
    "1.bias": "fc.bias",
}


@dataclass
class Contender:
    step: Callable[[], None]
    probe: Callable[[], dict[str, np.ndarray]] | None  # "loss", names, "grad " + names


def _data(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    batch, steps, inputs, _, outputs = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, inputs)).astype(DTYPE)
    target = rng.standard_normal((batch, steps, outputs)).astype(DTYPE)
    return x, target


def _model(shape: tuple[int, ...], layer: str = "rnn") -> tinyrnn.Sequential:
    _, _, inputs, hidden, outputs = shape
    rng = np.random.default_rng(1)
    return tinyrnn.Sequential(
        LAYERS[layer][0](inputs, hidden, dtype=DTYPE, rng=rng),
        tinyrnn.Linear(hidden, outputs, dtype=DTYPE, rng=rng),
    )


def _weights(shape: tuple[int, ...], layer: str) -> dict[str, np.ndarray]:
    """The initial weights every contender starts from, by the names of NAMES."""
    return {NAMES[k]: v for k, v in _model(shape, layer).state_dict().items()}


def _probe(loss: float, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]):
    result = {"loss": np.array(loss)}
    result.update({name: np.array(value) for name, value in params.items()})
    result.update({f"grad {name}": np.array(value) for name, value in grads.items()})
    return result


def tinyrnn_step(shape: tuple[int, ...], layer: str = "rnn") -> tuple[Contender, int]:
    """tinyrnn's step, and the bytes BPTT needs at least: states, inputs, params, grads."""
    model, (x, target) = _model(shape, layer), _data(shape)
    model.needs_input_grad = False  # x is data, as PyTorch's x, which does not require grad
    loss_fn = tinyrnn.MSELoss()
    optimizer = tinyrnn.SGD(model.parameters(), lr=LR)
    losses = [float("nan")]

    def step() -> None:
        optimizer.zero_grad()
        losses[0] = loss_fn(model(x), target)
        model.backward(loss_fn.backward())
        optimizer.step()

    def probe() -> dict[str, np.ndarray]:
        named = [(NAMES[name], p) for name, p in model.named_parameters()]
        return _probe(losses[0], {n: p.data for n, p in named}, {n: p.grad for n, p in named})

    batch, steps, inputs, hidden, _ = shape
    states = 2 if layer == "lstm" else 1  # (h, c) or h per step; gates can be recomputed
    param_bytes = sum(p.data.nbytes for p in model.parameters())
    needed = steps * batch * (states * hidden + inputs) * np.dtype(DTYPE).itemsize
    return Contender(step, probe), needed + 2 * param_bytes


def torch_step(shape: tuple[int, ...], layer: str = "rnn") -> Contender | None:
    """PyTorch eager's step with the same weights, or None when torch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    _, _, inputs, hidden, outputs = shape
    kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[layer]
    rnn, linear = kind(inputs, hidden, batch_first=True), torch.nn.Linear(hidden, outputs)
    params = {name: getattr(rnn, f"{name}_l0") for name in list(NAMES.values())[:4]}
    params.update({"fc.weight": linear.weight, "fc.bias": linear.bias})
    with torch.no_grad():
        for name, value in _weights(shape, layer).items():
            params[name].copy_(torch.from_numpy(value))
    x, target = (torch.from_numpy(a) for a in _data(shape))
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(list(params.values()), lr=LR)
    losses = [torch.tensor(float("nan"))]

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        out, _ = rnn(x)
        losses[0] = loss_fn(linear(out), target)
        losses[0].backward()
        optimizer.step()

    def probe() -> dict[str, np.ndarray]:
        grads = {n: p.grad.numpy() for n, p in params.items()}
        values = {n: p.detach().numpy() for n, p in params.items()}
        return _probe(float(losses[0].detach()), values, grads)

    return Contender(step, probe)


def numpy_loop_step(shape: tuple[int, ...], layer: str = "rnn") -> Contender:
    """The plain per-step NumPy loop (`_numpy_loops`), then SGD."""
    params, (x, target) = _weights(shape, layer), _data(shape)
    last: list = [float("nan"), {}]

    def step() -> None:
        last[:] = loss_and_grads(layer, params, x, target)
        for name, grad in last[1].items():
            params[name] -= LR * grad

    return Contender(step, lambda: _probe(last[0], params, last[1]))
