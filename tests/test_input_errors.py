"""Every public layer and loss, given a wrong rank, feature size, hidden shape, dtype or gradient,
raises ValueError/TypeError whose message names the layer and the offending shape (or dtype),
never a bare NumPy error.

Each case lists fragments its message must contain: the class name, the shape it got and,
where the layer states one, the shape it expected.
"""

from __future__ import annotations

import re
from pathlib import Path

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
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)


def z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


def backward_with(layer, x, grad):
    """Forward x, then backward a gradient of the wrong shape."""
    layer(x)
    return layer.backward(grad)


def stateful_batch_change(layer):
    layer(z(2, 3, 3))
    return layer(z(4, 3, 3))


def case(name, call, *fragments, error=ValueError):
    return pytest.param(call, error, fragments, id=name)


def recurrent_cases(kind):
    layer = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind]
    if kind == "LSTM":  # the state is a pair (h, c): break one part at a time

        def h(*shape):
            return (z(*shape), z(2, 4))
    else:
        h = z
    cases = [
        ("rank1", lambda: layer(3, 4)(z(3)), ["(3,)", "(batch, time, 3)"]),  # rank 2: unbatched
        ("rank4", lambda: layer(3, 4)(z(1, 2, 5, 3)), ["(1, 2, 5, 3)", "(batch, time, 3)"]),
        ("features", lambda: layer(3, 4)(z(2, 5, 4)), ["(2, 5, 4)", "(batch, time, 3)"]),
        ("h0-hidden", lambda: layer(3, 4)(z(2, 5, 3), h(2, 5)), ["(2, 5)", "(2, 4)"]),
        ("h0-batch", lambda: layer(3, 4)(z(2, 5, 3), h(3, 4)), ["(3, 4)", "(2, 4)"]),
        ("h0-rank", lambda: layer(3, 4)(z(2, 5, 3), h(4)), ["(4,)", "(2, 4)"]),
        ("time0", lambda: layer(3, 4)(z(2, 0, 3)), ["(2, 0, 3)", "no time steps"]),
        ("batch0", lambda: layer(3, 4)(z(0, 5, 3)), ["(0, 5, 3)", "empty batch"]),
        ("lengths", lambda: layer(3, 4)(z(2, 5, 3), lengths=[1, 2, 3]), ["(3,)", "(2,)"]),
        (
            "stateful-batch",
            lambda: stateful_batch_change(layer(3, 4, stateful=True)),
            ["batch 2", "batch 4"],
        ),
        (
            "backward",
            lambda: backward_with(layer(3, 4), z(2, 5, 3), z(2, 4)),
            [f"{kind}.backward", "(2, 4)", "(2, 5, 4)"],
        ),
    ]
    return [case(f"{kind}-{n}", call, kind, *f) for n, call, f in cases]


def cell_cases(kind):
    cell = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}[kind]
    if kind == "LSTMCell":

        def h(*shape):
            return (z(2, 4), z(*shape))  # the cell state c this time

        def grad(*shape):
            return (z(*shape), None)
    else:
        h = grad = z
    cases = [
        ("rank0", lambda: cell(3, 4)(z()), ["()", "(batch, 3)"]),  # rank 1: an unbatched step
        ("rank3", lambda: cell(3, 4)(z(2, 5, 3)), ["(2, 5, 3)", "(batch, 3)"]),
        ("features", lambda: cell(3, 4)(z(2, 5)), ["(2, 5)", "(batch, 3)"]),
        ("h-hidden", lambda: cell(3, 4)(z(2, 3), h(2, 5)), ["(2, 5)", "(2, 4)"]),
        ("h-batch", lambda: cell(3, 4)(z(2, 3), h(3, 4)), ["(3, 4)", "(2, 4)"]),
        ("batch0", lambda: cell(3, 4)(z(0, 3)), ["(0, 3)", "empty batch"]),
        (
            "backward",
            lambda: backward_with(cell(3, 4), z(2, 3), grad(2, 3)),
            [f"{kind}.backward", "(2, 3)", "(2, 4)"],
        ),
    ]
    return [case(f"{kind}-{n}", call, kind, *f) for n, call, f in cases]


def bidirectional():
    return Bidirectional(LSTM(3, 4))


OTHER_CASES = [
    case("Linear-rank0", lambda: Linear(3, 2)(np.float64(1.0)), "Linear", "()", "(..., 3)"),
    case("Linear-features", lambda: Linear(3, 2)(z(4, 5)), "Linear", "(4, 5)", "(..., 3)"),
    case(
        "Linear-backward",
        lambda: backward_with(Linear(3, 2), z(4, 3), z(4, 3)),
        "Linear.backward",
        "(4, 3)",
        "(4, 2)",
    ),
    *[
        case(
            f"{layer.__name__}-backward",
            lambda layer=layer: backward_with(layer(), z(2, 3), z(3, 2)),
            f"{layer.__name__}.backward",
            "(3, 2)",
            "(2, 3)",
        )
        for layer in (Tanh, Sigmoid, ReLU, Softmax, Dropout)
    ],
    case("Softmax-axis", lambda: Softmax(axis=2)(z(2, 3)), "Softmax", "axis 2", "(2, 3)"),
    case(
        "Embedding-float", lambda: Embedding(5, 3)(z(2, 3)), "Embedding", "float64", error=TypeError
    ),
    case(
        "Embedding-range", lambda: Embedding(5, 3)(np.array([[0, 5]])), "Embedding", "(1, 2)", "5"
    ),
    case(
        "Embedding-backward",
        lambda: backward_with(Embedding(5, 3), np.zeros((2, 4), int), z(2, 4, 2)),
        "Embedding.backward",
        "(2, 4, 2)",
        "(2, 4, 3)",
    ),
    case("Bidirectional-rank", lambda: bidirectional()(z(5, 3)), "Bidirectional", "(5, 3)"),
    case(
        "Bidirectional-features",
        lambda: bidirectional()(z(2, 5, 4)),
        "Bidirectional",
        "(2, 5, 4)",
        "(batch, time, 3)",
    ),
    case("Bidirectional-time0", lambda: bidirectional()(z(2, 0, 3)), "Bidirectional", "(2, 0, 3)"),
    case("Bidirectional-batch0", lambda: bidirectional()(z(0, 5, 3)), "Bidirectional", "(0, 5, 3)"),
    case(
        "Bidirectional-h0-not-a-pair",
        lambda: bidirectional()(z(2, 5, 3), z(2, 4)),
        "Bidirectional",
        "ndarray",
        error=TypeError,
    ),
    case(
        "Bidirectional-h0-forward",
        lambda: bidirectional()(z(2, 5, 3), ((z(2, 5), z(2, 4)), None)),
        "Bidirectional",
        "(2, 5)",
        "(2, 4)",
    ),
    case(
        "Bidirectional-h0-backward",
        lambda: bidirectional()(z(2, 5, 3), (None, (z(2, 4), z(3, 4)))),
        "Bidirectional",
        "(3, 4)",
        "(2, 4)",
    ),
    case(
        "Bidirectional-backward",
        lambda: backward_with(bidirectional(), z(2, 5, 3), z(2, 5, 4)),
        "Bidirectional.backward",
        "(2, 5, 4)",
        "(2, 5, 8)",
    ),
    case(
        "Sequential-input",
        lambda: Sequential(Linear(3, 4), Tanh(), Linear(4, 2))(z(2, 5)),
        "Linear",
        "(2, 5)",
        "(..., 3)",
    ),
    case(
        "Sequential-recurrent",
        lambda: Sequential(GRU(3, 4), Linear(4, 2))(z(2, 5, 4)),
        "GRU",
        "(2, 5, 4)",
    ),
    case(
        "Sequential-backward",
        lambda: backward_with(Sequential(Linear(3, 4), Tanh()), z(2, 3), z(2, 3)),
        "Tanh.backward",
        "(2, 3)",
        "(2, 4)",
    ),
    case("MSELoss-shapes", lambda: MSELoss()(z(2, 3), z(3, 2)), "MSELoss", "(2, 3)", "(3, 2)"),
    case(
        "CrossEntropyLoss-target",
        lambda: CrossEntropyLoss()(z(2, 4, 3), np.zeros((4, 2), int)),
        "CrossEntropyLoss",
        "(4, 2)",
        "(2, 4)",
    ),
    case(
        "CrossEntropyLoss-rank0",
        lambda: CrossEntropyLoss()(np.float64(1), 0),
        "CrossEntropyLoss",
        "()",
    ),
    case(
        "CrossEntropyLoss-no-classes",
        lambda: CrossEntropyLoss()(z(2, 0), np.zeros(2, int)),
        "CrossEntropyLoss",
        "(2, 0)",
    ),
    case(
        "CrossEntropyLoss-range",
        lambda: CrossEntropyLoss()(z(2, 3), np.array([0, 3])),
        "CrossEntropyLoss",
        "[0, 3)",
    ),
]
ALL_CASES = (
    [c for kind in ("RNN", "LSTM", "GRU") for c in recurrent_cases(kind)]
    + [c for kind in ("RNNCell", "LSTMCell", "GRUCell") for c in cell_cases(kind)]
    + OTHER_CASES
)


@pytest.mark.parametrize("call, error, fragments", ALL_CASES)
def test_bad_input_names_the_layer_and_the_shapes(call, error, fragments):
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    missing = [fragment for fragment in fragments if fragment not in message]
    assert not missing, f"{missing} not in the message: {message!r}"


@pytest.mark.parametrize(
    "h0", [(None, z(3, 4)), (z(2, 4, 1), None), (None, z(2, 4, dtype=complex))]
)
def test_bidirectional_checks_both_states_before_running_either_direction(h0):
    layer = Bidirectional(GRU(3, 4))
    with pytest.raises((ValueError, TypeError), match=r"^Bidirectional \((forward|backward) dir"):
        layer(z(2, 5, 3), h0)
    # No half-done call cached.
    assert all(module.pending_backwards == 0 for module in layer.modules())


def test_the_behaviour_guide_runs(capsys):
    """docs/behaviour.md: every Python block runs, top to bottom, as one script."""
    guide = Path(__file__).resolve().parent.parent / "docs" / "behaviour.md"
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 2
    namespace: dict = {}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"docs/behaviour.md block {number}", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "GRUCell: the input has an empty batch (shape (0, 3))",
        "Bidirectional: the input has no time steps (shape (2, 0, 3))",
    ]
