"""Every public layer and loss, given an input, hidden state or target of a non-numeric dtype
(complex, bool, strings, objects), raises TypeError naming the layer and the dtype it got."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    MSELoss,
    ReLU,
    RNNCell,
    Sigmoid,
    Softmax,
    Tanh,
)


def z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


BAD_DTYPES = {
    "complex": z(2, 5, 3, dtype=complex),
    "bool": z(2, 5, 3, dtype=bool),
    "str": np.full((2, 5, 3), "a"),
    "object": np.full((2, 5, 3), None, dtype=object),
}
LAYERS = {
    "Linear": lambda x: Linear(3, 2)(x),
    "Tanh": lambda x: Tanh()(x),
    "Sigmoid": lambda x: Sigmoid()(x),
    "ReLU": lambda x: ReLU()(x),
    "Softmax": lambda x: Softmax()(x),
    "Dropout": lambda x: Dropout(0.5)(x),
    "RNNCell": lambda x: RNNCell(3, 4)(x[:, 0]),
    "RNN": lambda x: RNN(3, 4)(x),
    "LSTMCell": lambda x: LSTMCell(3, 4)(x[:, 0]),
    "LSTM": lambda x: LSTM(3, 4)(x),
    "GRUCell": lambda x: GRUCell(3, 4)(x[:, 0]),
    "GRU": lambda x: GRU(3, 4)(x),
    "Bidirectional": lambda x: Bidirectional(GRU(3, 4))(x),
    "Embedding": lambda x: Embedding(5, 3)(x),
    "MSELoss": lambda x: MSELoss()(x, z(2, 5, 3)),
    "CrossEntropyLoss": lambda x: CrossEntropyLoss()(x, np.zeros((2, 5), int)),
}


@pytest.mark.parametrize("kind", list(BAD_DTYPES))
@pytest.mark.parametrize("layer", list(LAYERS))
def test_bad_input_dtype_names_the_layer_and_the_dtype(layer, kind):
    x = BAD_DTYPES[kind]
    with pytest.raises(TypeError) as raised:
        LAYERS[layer](x)
    message = str(raised.value)
    assert message.startswith(f"{layer}") and str(x.dtype) in message, message


STATES = {
    "RNNCell": lambda h: RNNCell(3, 4)(z(2, 3), h),
    "RNN": lambda h: RNN(3, 4)(z(2, 5, 3), h),
    "LSTMCell": lambda h: LSTMCell(3, 4)(z(2, 3), (z(2, 4), h)),
    "LSTM": lambda h: LSTM(3, 4)(z(2, 5, 3), (h, z(2, 4))),
    "GRUCell": lambda h: GRUCell(3, 4)(z(2, 3), h),
    "GRU": lambda h: GRU(3, 4)(z(2, 5, 3), h),
    "Bidirectional": lambda h: Bidirectional(GRU(3, 4))(z(2, 5, 3), (None, h)),
    "MSELoss": lambda target: MSELoss()(z(2, 4), target),
    "CrossEntropyLoss": lambda target: CrossEntropyLoss()(z(2, 4, 3), target[..., 0]),
}


@pytest.mark.parametrize("kind", ["complex", "bool", "str", "object"])
@pytest.mark.parametrize("layer", list(STATES))
def test_bad_hidden_state_or_target_dtype_names_the_layer(layer, kind):
    bad = BAD_DTYPES[kind][:, :4, 0]  # (2, 4)
    with pytest.raises(TypeError) as raised:
        STATES[layer](bad)
    message = str(raised.value)
    assert message.startswith(f"{layer}") and str(bad.dtype) in message, message
