"""to_torch_module on a Sequential: a torch.nn.Sequential computing the same outputs."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.interop import to_torch_module, to_torch_state_dict

F64 = {"dtype": np.float64}


def lstm(input_size, hidden_size, **options):
    return tr.LSTM(input_size, hidden_size, **options)


def models(rng):
    """(name, model, input) triples covering every supported layer."""
    tokens = rng.integers(0, 7, (3, 5))
    x = rng.standard_normal((3, 5, 4))
    return [
        (
            "embedding-lstm2-many-to-one-linear-softmax",
            tr.Sequential(
                tr.Embedding(7, 4, **F64, rng=rng),
                tr.stacked(
                    lstm, 4, 6, num_layers=2, dropout=0.2, return_sequences=False, **F64, rng=rng
                ),
                tr.Linear(6, 3, **F64, rng=rng),
                tr.Softmax(),
            ),
            tokens,
        ),
        (
            "bidirectional-gru-many-to-one-linear-tanh",
            tr.Sequential(
                tr.Bidirectional(tr.GRU(4, 5, return_sequences=False, **F64, rng=rng)),
                tr.Linear(10, 2, **F64, rng=rng),
                tr.Tanh(),
            ),
            x,
        ),
        (
            "relu-rnn-dropout-rnn-trailing-dropout-linear-sigmoid-relu",
            tr.Sequential(
                tr.RNN(4, 5, nonlinearity="relu", **F64, rng=rng),
                tr.Dropout(0.3),
                tr.RNN(5, 5, nonlinearity="relu", **F64, rng=rng),
                tr.Dropout(0.5),
                tr.Linear(5, 3, **F64, rng=rng),
                tr.Sigmoid(),
                tr.ReLU(),
            ),
            x,
        ),
        (
            "two-recurrent-parts-around-a-linear",
            tr.Sequential(
                tr.GRU(4, 6, **F64, rng=rng),
                tr.Linear(6, 3, **F64, rng=rng),
                tr.Bidirectional(tr.LSTM(3, 2, **F64, rng=rng)),
                tr.Bidirectional(tr.LSTM(4, 2, return_sequences=False, **F64, rng=rng)),
            ),
            x,
        ),
    ]


@pytest.mark.parametrize("case", range(4))
def test_sequential_export_matches_tinyrnn(case, rng, record_max):
    torch = pytest.importorskip("torch")
    name, model, data = models(rng)[case]
    model.eval()
    exported = to_torch_module(model)
    assert isinstance(exported, torch.nn.Sequential) and not exported.training
    assert set(exported.state_dict()) == set(to_torch_state_dict(model))
    with tr.no_grad():
        ours = model(data)
    with torch.no_grad():
        theirs = exported(torch.from_numpy(data)).numpy()
    assert theirs.shape == ours.shape
    error = np.abs(ours - theirs).max()
    record_max(f"to_torch_module {name}", error)
    assert error < 1e-12


def test_export_keeps_float32_and_the_training_mode(rng):
    torch = pytest.importorskip("torch")
    model = tr.Sequential(tr.RNN(2, 3, return_sequences=False, rng=rng), tr.Linear(3, 1, rng=rng))
    exported = to_torch_module(model)
    assert exported.training and exported[0].weight_ih_l0.dtype == torch.float32
    assert "return_sequences=False" in repr(exported)


def test_a_layer_without_a_torch_twin_is_named():
    pytest.importorskip("torch")

    class Square(tr.Module):
        def forward(self, x):
            return x * x

    model = tr.Sequential(tr.Linear(2, 2), Square(), tr.Linear(2, 1))
    with pytest.raises(ValueError, match=r"no torch equivalent for Square at '1'"):
        to_torch_module(model)


def test_a_custom_cell_is_named():
    pytest.importorskip("torch")

    class Cell(tr.RNNCell):
        pass

    cell = Cell(2, 3)
    cell.scale = tr.Parameter(np.ones(3))  # a parameter torch's RNN has no place for
    model = tr.Sequential(tr.RNN(cell=cell), tr.Linear(3, 1))
    with pytest.raises(ValueError, match=r"no torch equivalent for RNN at '0'"):
        to_torch_module(model)
