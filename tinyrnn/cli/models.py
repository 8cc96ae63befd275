"""Models and optimizers the command line builds, described by JSON-able configs it stores."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers import GRU, LSTM, RNN, Linear, stacked
from ..module import Module
from ..optim import SGD, Adagrad, Adam, Optimizer, RMSprop
from ..sequential import Sequential
from .files import CLIError

LAYER_TYPES = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
OPTIMIZER_TYPES = {"sgd": SGD, "adam": Adam, "adagrad": Adagrad, "rmsprop": RMSprop}


def model_config(
    task: str, cell: str, input_size: int, hidden_size: int, layers: int, output_size: int
) -> dict[str, Any]:
    """Everything `build_model` needs; stored in the checkpoint's extra metadata."""
    for name, value in (("--hidden-size", hidden_size), ("--layers", layers)):
        if value < 1:
            raise CLIError(f"{name} must be >= 1, got {value}")
    return {
        "task": task,
        "cell": cell,
        "input_size": input_size,
        "hidden_size": hidden_size,
        "layers": layers,
        "output_size": output_size,
    }


def build_model(config: dict[str, Any], rng: np.random.Generator | None = None) -> Module:
    """text: (batch, time, vocab) one-hot -> (batch, time, vocab) logits, stateful (TBPTT);
    series: (batch, window, inputs) -> (batch, targets), the next step's targets."""
    try:
        layer_type = LAYER_TYPES[config["cell"]]
        text = config["task"] == "text"
        recurrent = stacked(
            layer_type,
            int(config["input_size"]),
            int(config["hidden_size"]),
            int(config["layers"]),
            return_sequences=text,
            stateful=text,
            rng=rng,
        )
        head = Linear(int(config["hidden_size"]), int(config["output_size"]), rng=rng)
    except (KeyError, TypeError, ValueError) as error:
        raise CLIError(f"the checkpoint's model description is unusable: {error!r}") from None
    return Sequential(recurrent, head)


def build_optimizer(name: str, model: Module, lr: float) -> Optimizer:
    """One of OPTIMIZER_TYPES with its default hyperparameters and this learning rate."""
    if not lr > 0:
        raise CLIError(f"--lr must be > 0, got {lr}")
    return OPTIMIZER_TYPES[name](model.parameters(), lr=lr)
