"""Bad input raises ValueError/TypeError naming the layer and the shapes; good input converts."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import (
    RNN,
    SGD,
    Adam,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    MSELoss,
    ReLU,
    RNNCell,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from tinyrnn.data import sine_wave

F32, F64 = np.float32, np.float64


NO_INPUT = r"\(batch, time, 3\) or, unbatched, \(time, 3\)"
WRONG_SHAPES = [
    (
        lambda: Linear(3, 2)(np.zeros((4, 5))),
        r"Linear: expected input of shape \(\.\.\., 3\), got \(4, 5\)",
    ),
    (lambda: Linear(3, 2)(np.float64(1)), r"Linear: expected input .* \(\.\.\., 3\), got \(\)"),
    (
        lambda: RNN(3, 4)(np.zeros((2, 5, 4))),
        rf"RNN: expected input of shape {NO_INPUT}, got \(2, 5, 4\)",
    ),
    (
        lambda: RNN(3, 4)(np.zeros(3)),  # (time, input) is an unbatched sequence; (3,) is not
        rf"RNN: expected input of shape {NO_INPUT}, got \(3,\)",
    ),
    (
        lambda: RNN(3, 4)(np.zeros((2, 5, 3)), np.zeros((2, 5))),
        r"RNN: .*state .*\(2, 4\), got \(2, 5\)",
    ),
    (lambda: RNN(3, 4)(np.zeros((2, 5, 3)), np.zeros((3, 4))), r"RNN: .* \(2, 4\), got \(3, 4\)"),
    (lambda: RNN(3, 4)(np.zeros((2, 5, 3)), np.zeros(4)), r"RNN: .* \(2, 4\), got \(4,\)"),
    (
        lambda: RNN(3, 4)(np.zeros((2, 0, 3))),
        r"RNN: the input has no time steps \(shape \(2, 0, 3\)\)",
    ),
    (
        lambda: RNNCell(3, 4)(np.zeros((2, 5, 3))),
        r"RNNCell: .* \(batch, 3\) or, unbatched, \(3,\), got \(2, 5, 3\)",
    ),
    (
        lambda: RNNCell(3, 4)(np.zeros((2, 3)), np.zeros((2, 5))),
        r"RNNCell: .*state.* \(2, 4\), got \(2, 5\)",
    ),
    (
        lambda: Softmax(axis=2)(np.zeros((2, 3))),
        r"Softmax: axis 2 is out of range for shape \(2, 3\)",
    ),
    (
        lambda: MSELoss()(np.zeros((2, 3)), np.zeros((3, 2))),
        r"MSELoss: pred shape \(2, 3\) and target shape \(3, 2\)",
    ),
    (
        lambda: CrossEntropyLoss()(np.zeros((2, 3)), np.zeros(3, int)),
        r"CrossEntropyLoss: .* \(2,\) .* \(2, 3\).*got \(3,\)",
    ),
    (
        lambda: CrossEntropyLoss()(np.zeros((2, 4, 3)), np.zeros((4, 2), int)),
        r"CrossEntropyLoss: .* \(2, 4\) .*got \(4, 2\)",
    ),
    (
        lambda: CrossEntropyLoss()(np.float64(1), np.array(0)),
        r"CrossEntropyLoss: .*logits of shape \(\.\.\., classes\).*got \(\)",
    ),
    (
        lambda: CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3])),
        r"CrossEntropyLoss: target indices must lie in \[0, 3\)",
    ),
    (
        lambda: CrossEntropyLoss()(np.zeros((2, 3)), np.array([-1, 0])),
        r"CrossEntropyLoss: .*\[0, 3\), got range \[-1, 0\]",
    ),
]


@pytest.mark.parametrize("call, message", WRONG_SHAPES)
def test_wrong_shapes_raise_value_error_naming_layer_and_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def backward_after(layer, x, grad, *extra):
    layer(x, *extra)
    layer.backward(grad)


@pytest.mark.parametrize(
    "layer, x, grad, message",
    [
        (
            Linear(3, 2),
            np.zeros((4, 3)),
            np.zeros((4, 3)),
            r"Linear.backward: expected grad_output of shape \(4, 2\) .*got \(4, 3\)",
        ),
        (
            RNN(3, 4),
            np.zeros((2, 5, 3)),
            np.zeros((2, 4)),
            r"RNN.backward: expected grad_output of shape \(2, 5, 4\) .*got \(2, 4\)",
        ),
        (
            RNN(3, 4, return_sequences=False),
            np.zeros((2, 5, 3)),
            np.zeros((2, 5, 4)),
            r"RNN.backward: .*\(2, 4\) .*got \(2, 5, 4\)",
        ),
        (
            RNNCell(3, 4),
            np.zeros((2, 3)),
            np.zeros((2, 3)),
            r"RNNCell.backward: .*\(2, 4\) .*got \(2, 3\)",
        ),
        (Tanh(), np.zeros((2, 3)), np.zeros((3, 2)), r"Tanh.backward: .*\(2, 3\) .*got \(3, 2\)"),
        (Softmax(), np.zeros((2, 3)), np.zeros(3), r"Softmax.backward: .*\(2, 3\) .*got \(3,\)"),
    ],
)
def test_wrong_gradient_shape_in_backward(layer, x, grad, message):
    with pytest.raises(ValueError, match=message):
        backward_after(layer, x, grad)


NON_NUMERIC = {
    "strings": np.array([["a", "b", "c"]]),
    "string list": [["a", "b", "c"]],
    "objects": np.array([[1.0, None, 2.0]], dtype=object),
    "complex": np.zeros((1, 3), dtype=complex),
    "bool": np.zeros((1, 3), dtype=bool),
    "ragged": [[1.0, 2.0, 3.0], [1.0]],
    "None": None,
}
LAYERS = {
    "Linear": lambda x: Linear(3, 2)(x),
    "RNNCell": lambda x: RNNCell(3, 2)(x),
    "RNN": lambda x: RNN(3, 2)(x if x is None else [x]),  # add a batch axis
    "Tanh": lambda x: Tanh()(x),
    "Sigmoid": lambda x: Sigmoid()(x),
    "ReLU": lambda x: ReLU()(x),
    "Softmax": lambda x: Softmax()(x),
    "MSELoss": lambda x: MSELoss()(x, np.zeros((1, 3))),
    "CrossEntropyLoss": lambda x: CrossEntropyLoss()(x, np.zeros(1, int)),
}


@pytest.mark.parametrize("kind", list(NON_NUMERIC))
@pytest.mark.parametrize("layer", list(LAYERS))
def test_non_numeric_input_raises_type_error_naming_layer(layer, kind):
    with pytest.raises(TypeError, match=rf"^{layer}: "):
        LAYERS[layer](NON_NUMERIC[kind])


@pytest.mark.parametrize("kind", ["strings", "complex", "bool", "objects"])
def test_non_numeric_h0_and_targets(kind):
    bad = NON_NUMERIC[kind]
    with pytest.raises(TypeError, match="RNN: .*hidden state"):
        RNN(3, 3)(np.zeros((1, 2, 3)), bad)
    with pytest.raises(TypeError, match="RNNCell: .*hidden state"):
        RNNCell(3, 3)(np.zeros((1, 3)), bad)
    with pytest.raises(TypeError, match="MSELoss: .*target"):
        MSELoss()(np.zeros((1, 3)), bad)


@pytest.mark.parametrize("target", [np.array([0.0, 1.0]), np.array([True, False]), ["a", "b"]])
def test_cross_entropy_needs_integer_targets(target):
    with pytest.raises(TypeError, match="CrossEntropyLoss: expected integer class indices"):
        CrossEntropyLoss()(np.zeros((2, 3)), target)


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("lr", [-0.1, float("nan")])
def test_optimizers_reject_a_bad_learning_rate(optimizer, lr):
    with pytest.raises(ValueError, match=rf"{optimizer.__name__}: invalid learning rate"):
        optimizer(Linear(2, 2).parameters(), lr=lr)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: Linear(0, 3), ValueError, "Linear: in_features and out_features must be >= 1"),
        (lambda: RNNCell(3, 0), ValueError, "RNNCell: input_size and hidden_size must be >= 1"),
        (lambda: RNNCell(3, 4, nonlinearity="sigmoid"), ValueError, "nonlinearity .* 'sigmoid'"),
        (lambda: RNN(3, 4, nonlinearity="gelu"), ValueError, "nonlinearity .* 'gelu'"),
        (
            lambda: Linear(3, 4, dtype=np.int32),
            TypeError,
            "Linear: expected dtype float32 or float64",
        ),
        *[
            (
                lambda layer=layer: layer(3, 4, dtype=np.int64),
                TypeError,
                f"{layer.__name__}: expected dtype float32 or float64, got int64",
            )
            for layer in (RNNCell, LSTMCell, GRUCell, Embedding)
        ],
        (lambda: Dropout(0.5, rng=0), TypeError, "Dropout: expected rng"),
        (lambda: sine_wave(10, dtype=np.int8), TypeError, "sine_wave: expected dtype"),
        (
            lambda: Linear(3, 4, rng=0),
            TypeError,
            "Linear: expected rng to be a np.random.Generator",
        ),
        (lambda: RNN(3, 4, rng=np.random.RandomState(0)), TypeError, "np.random.Generator"),
        (lambda: MSELoss("max"), ValueError, "MSELoss: reduction must be 'mean' or 'sum'"),
        (lambda: RNN(3, 4, cell=RNNCell(3, 4)), TypeError, "RNN: give either"),
        (lambda: RNN(), TypeError, "RNN: give input_size and hidden_size"),
        (lambda: RNN(cell=Tanh()), TypeError, "RNN: cell must be a Module with a hidden_size"),
    ],
)
def test_bad_construction(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------- dtype conversion
@pytest.mark.parametrize("dtype", [F32, F64])
def test_integer_inputs_are_converted_to_the_layer_dtype(rng, dtype):
    ints = rng.integers(-3, 4, (2, 4, 3))
    for layer in [Linear(3, 2, dtype=dtype, rng=rng), RNN(3, 2, dtype=dtype, rng=rng)]:
        y = layer(ints)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y, layer(ints.astype(dtype)))
    cell = RNNCell(3, 2, dtype=dtype, rng=rng)
    assert cell(ints[:, 0].tolist(), np.zeros((2, 2), int)).dtype == dtype
    assert MSELoss()(ints, ints.astype(float)) == 0.0


def test_float32_layers_given_float64_return_float32(rng):
    x, h0 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5))
    model = Sequential(RNN(3, 5, dtype=F32, rng=rng), Linear(5, 2, dtype=F32, rng=rng))
    assert model[0](x, h0).dtype == F32 and model[0].h_n.dtype == F32
    model[0].clear_saved()
    cell = RNNCell(3, 5, dtype=F32, rng=rng)
    assert cell(x[:, 0], h0).dtype == F32
    y = model(x)
    assert y.dtype == F32
    loss_fn = MSELoss()
    loss_fn(y, rng.standard_normal(y.shape))  # float64 target: the float32 prediction decides
    grad = loss_fn.backward()
    assert grad.dtype == F32
    assert model.backward(grad).dtype == F32
    assert all(p.grad.dtype == F32 for p in model.parameters())
