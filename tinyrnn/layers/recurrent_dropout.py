"""Dropout inside a recurrent layer, as Keras and Gal & Ghahramani define it: one mask per
sequence, drawn at the start of a training forward and held across all its steps, on the input
x_t (`dropout`) and on the recurrent state h_{t-1} where the cell reads it (`recurrent_dropout`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_rng
from .dropout import dropout_mask


def check_probability(p: Any, who: str, what: str) -> float:
    """`p` as a float in [0, 1]; TypeError / ValueError naming the layer otherwise."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)):
        raise TypeError(f"{who}: {what} must be a number in [0, 1], got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: {what} must be in [0, 1], got {p}")
    return float(p)


def draw_masks(layer: Any, x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(input mask (batch, input), recurrent mask (batch, hidden)) for a forward on x (batch,
    time, input), each None when its probability is 0 or the layer is in eval mode. Inverted
    dropout: kept entries are scaled by 1 / (1 - p), so eval needs no rescaling."""
    if not layer.training:
        return None, None
    rng = resolve_rng(layer.rng)
    batch, inputs = x.shape[0], x.shape[2]
    input_mask = recurrent_mask = None
    if layer.dropout > 0:
        input_mask = dropout_mask((batch, inputs), layer.dropout, rng, x)
    if layer.recurrent_dropout > 0:
        shape = (batch, layer.hidden_size)
        recurrent_mask = dropout_mask(shape, layer.recurrent_dropout, rng, x)
    return input_mask, recurrent_mask


def scale_output(state: Any, mask: np.ndarray | None) -> Any:
    """`state` with its output part (h; an LSTM's c is untouched) multiplied by `mask`."""
    if mask is None:
        return state
    if isinstance(state, np.ndarray):
        return state * mask
    return (state[0] * mask, *state[1:])
