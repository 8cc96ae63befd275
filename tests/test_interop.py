"""tinyrnn.interop: torch names, round trips, loading real torch modules, errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tinyrnn
from tinyrnn.interop import (
    load_torch_state_dict,
    to_torch_module,
    to_torch_state_dict,
    torch_parameter_names,
)
from tinyrnn.layers.bidirectional import Bidirectional
from tinyrnn.layers.dropout import Dropout
from tinyrnn.layers.embedding import Embedding
from tinyrnn.layers.gru_cell import GRUCell
from tinyrnn.layers.lstm_cell import LSTMCell
from tinyrnn.layers.stacked import stacked

F64 = {"dtype": np.float64}


def lstm(input_size, hidden_size, *, return_sequences=True, dtype=None, rng=None):
    cell = LSTMCell(input_size, hidden_size, dtype=dtype, rng=rng)
    return tinyrnn.RNN(cell=cell, return_sequences=return_sequences)


def gru(input_size, hidden_size, *, return_sequences=True, dtype=None, rng=None):
    cell = GRUCell(input_size, hidden_size, dtype=dtype, rng=rng)
    return tinyrnn.RNN(cell=cell, return_sequences=return_sequences)


def test_names_single_bidirectional_stacked(rng):
    names = torch_parameter_names(tinyrnn.RNN(3, 4, rng=rng))
    assert names == {
        f"cell.{n}": f"{n}_l0" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }
    assert list(torch_parameter_names(tinyrnn.RNN(3, 4, bias=False)).values()) == [
        "weight_ih_l0",
        "weight_hh_l0",
    ]
    names = torch_parameter_names(Bidirectional(lstm(3, 4)))
    assert names["backward_layer.cell.weight_hh"] == "weight_hh_l0_reverse"
    names = torch_parameter_names(stacked(tinyrnn.RNN, 3, 4, num_layers=2, bidirectional=True))
    assert names["2.backward_layer.cell.bias_ih"] == "bias_ih_l1_reverse" and len(names) == 16
    assert torch_parameter_names(Embedding(5, 2)) == {"weight": "weight"}


def test_names_of_a_mixed_sequential(rng):
    def build(last):
        return tinyrnn.Sequential(
            Embedding(10, 3),
            Dropout(0.1),
            stacked(gru, 3, 4, num_layers=2),
            last,  # continues the stack: torch layer 2
            tinyrnn.Tanh(),
            tinyrnn.Linear(4, 2),
        )

    names = torch_parameter_names(build(gru(4, 4)))
    assert names["0.weight"] == "0.weight" and names["5.bias"] == "5.bias"
    assert names["2.2.cell.weight_ih"] == "2.weight_ih_l1"
    assert names["3.cell.bias_hh"] == "2.bias_hh_l2"
    with pytest.raises(
        ValueError, match=r"layer 2 \(at '3'\) differs from recurrent layer 0 in type"
    ):
        torch_parameter_names(build(tinyrnn.RNN(4, 4)))


def test_mixed_sequential_with_prefixes_matches_a_torch_model(rng, record_max):
    torch = pytest.importorskip("torch")
    model = tinyrnn.Sequential(
        Embedding(10, 3, **F64, rng=rng),
        stacked(lstm, 3, 4, num_layers=2, dropout=0.2, return_sequences=False, **F64, rng=rng),
        tinyrnn.Linear(4, 2, **F64, rng=rng),
    ).eval()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(10, 3, dtype=torch.float64)
            self.rnn = torch.nn.LSTM(3, 4, 2, batch_first=True, dtype=torch.float64)
            self.fc = torch.nn.Linear(4, 2, dtype=torch.float64)

        def forward(self, tokens):
            return self.fc(self.rnn(self.embedding(tokens))[0][:, -1])

    net = Net()
    prefixes = ("embedding", "rnn", "fc")
    net.load_state_dict(to_torch_state_dict(model, prefixes=prefixes))
    tokens = rng.integers(0, 10, (3, 5))
    error = np.abs(model(tokens) - net(torch.from_numpy(tokens)).detach().numpy()).max()
    record_max("interop Sequential(Embedding, LSTM x2, Linear) vs torch", error)
    assert error < 1e-12
    fresh = tinyrnn.Sequential(
        Embedding(10, 3, **F64),
        stacked(lstm, 3, 4, num_layers=2, return_sequences=False, **F64),
        tinyrnn.Linear(4, 2, **F64),
    )
    load_torch_state_dict(fresh, net.state_dict(), prefixes=prefixes)
    np.testing.assert_array_equal(fresh(tokens), model(tokens))


@pytest.mark.parametrize("kind", ["RNN", "RNN_relu", "LSTM", "GRU", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_load_a_torch_module_then_outputs_match(kind, bidirectional, rng, record_max):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    options = {"num_layers": 2, "batch_first": True, "bidirectional": bidirectional}
    extra = {}
    if kind.startswith("RNN"):
        options["nonlinearity"] = extra["nonlinearity"] = "relu" if kind == "RNN_relu" else "tanh"
    torch_type = kind.split("_")[0].removesuffix("Cell")
    reference = getattr(torch.nn, torch_type)(3, 5, **options)  # float32
    make = {"LSTMCell": lstm, "GRUCell": gru}.get(kind) or getattr(tinyrnn, torch_type)
    model = stacked(make, 3, 5, num_layers=2, bidirectional=bidirectional, **F64, **extra)
    load_torch_state_dict(model, reference.state_dict())  # float32 tensors, cast to float64
    x = rng.standard_normal((2, 4, 3))
    expected = reference.double()(torch.from_numpy(x))[0].detach().numpy()
    error = np.abs(model(x) - expected).max()
    record_max("interop torch -> tinyrnn outputs", error)
    assert error < 1e-12


@pytest.mark.parametrize(
    "build",
    [
        lambda rng: tinyrnn.RNN(3, 4, nonlinearity="relu", rng=rng),
        lambda rng: Bidirectional(gru(3, 4, rng=rng), backward_layer=gru(3, 4, rng=rng)),
        lambda rng: stacked(lstm, 3, 4, num_layers=3, bidirectional=True, rng=rng),
        lambda rng: stacked(tinyrnn.GRU, 3, 4, num_layers=2, dropout=0.5, rng=rng),
        lambda rng: tinyrnn.Sequential(Embedding(6, 3, rng=rng), tinyrnn.Linear(3, 2, rng=rng)),
    ],
)
def test_round_trip_into_a_fresh_model(build, rng):
    model, fresh = build(rng), build(np.random.default_rng(99))
    exported = to_torch_state_dict(model, tensors=False)
    assert all(isinstance(value, np.ndarray) for value in exported.values())
    load_torch_state_dict(fresh, exported)
    for (name, ours), (_, theirs) in zip(
        model.state_dict().items(), fresh.state_dict().items(), strict=True
    ):
        np.testing.assert_array_equal(ours, theirs, err_msg=name)


def test_exported_tensors_and_to_torch_module(rng):
    torch = pytest.importorskip("torch")
    model = stacked(tinyrnn.RNN, 3, 4, num_layers=2, dropout=0.25, rng=rng)  # float32
    tensors = to_torch_state_dict(model)
    assert all(t.dtype == torch.float32 for t in tensors.values())
    module = to_torch_module(model)
    assert isinstance(module, torch.nn.RNN) and module.dropout == 0.25 and module.num_layers == 2
    assert isinstance(to_torch_module(Embedding(4, 2)), torch.nn.Embedding)
    linear = to_torch_module(tinyrnn.Linear(4, 2, bias=False))
    assert isinstance(linear, torch.nn.Linear) and linear.bias is None


def test_load_errors_leave_the_model_unchanged(rng):
    model = stacked(tinyrnn.RNN, 3, 4, num_layers=2, rng=rng)
    before = model.state_dict()
    good = to_torch_state_dict(model, tensors=False)
    bad_shape = dict(good, weight_hh_l1=np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"size mismatch for weight_hh_l1 \(tinyrnn 2.cell"):
        load_torch_state_dict(model, bad_shape)
    with pytest.raises(ValueError, match="missing keys: bias_hh_l1"):
        load_torch_state_dict(model, {k: v for k, v in good.items() if k != "bias_hh_l1"})
    extra = dict(good, weight_ih_l2=np.zeros((4, 4)))
    with pytest.raises(ValueError, match="unexpected keys: weight_ih_l2"):
        load_torch_state_dict(model, extra)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    partial = {"weight_ih_l0": np.ones((4, 3)), "weight_ih_l2": np.zeros(1)}
    result = load_torch_state_dict(model, partial, strict=False)
    assert result.unexpected_keys == ["weight_ih_l2"] and len(result.missing_keys) == 7
    np.testing.assert_array_equal(model[0].cell.weight_ih.data, np.ones((4, 3)))


class _Custom(tinyrnn.RNNCell):
    """A cell subclass with an extra parameter: no torch twin."""

    def __init__(self) -> None:
        super().__init__(3, 4)
        self.scale = tinyrnn.Parameter(np.ones(4))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (tinyrnn.RNN(cell=_Custom()), "no torch equivalent for RNN"),
        (tinyrnn.Sequential(tinyrnn.RNN(3, 4), tinyrnn.RNN(4, 5)), "differs.*hidden_size"),
        (tinyrnn.Sequential(tinyrnn.RNN(3, 4), tinyrnn.RNN(5, 4)), "input_size 5"),
        (tinyrnn.Sequential(tinyrnn.RNN(3, 4), tinyrnn.RNN(4, 4, nonlinearity="relu")), "nonlin"),
        (tinyrnn.Sequential(tinyrnn.RNN(3, 4, return_sequences=False), tinyrnn.RNN(4, 4)), "last"),
        (tinyrnn.Sequential(Bidirectional(tinyrnn.RNN(3, 4)), tinyrnn.RNN(8, 4)), "direction"),
        (tinyrnn.Tanh(), "no parameters"),
    ],
)
def test_unsupported_structures(model, message):
    with pytest.raises(ValueError, match=message):
        torch_parameter_names(model)


def test_prefix_and_to_torch_module_errors():
    model = tinyrnn.Sequential(tinyrnn.RNN(3, 4), tinyrnn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"one name per part; the model has 2 part\(s\)"):
        torch_parameter_names(model, prefixes=("rnn",))
    pytest.importorskip("torch")
    uneven = tinyrnn.Sequential(
        tinyrnn.RNN(3, 4), tinyrnn.RNN(4, 4), Dropout(0.5), tinyrnn.RNN(4, 4)
    )
    with pytest.raises(ValueError, match="different Dropouts"):
        to_torch_module(uneven)


def test_works_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    model = tinyrnn.RNN(3, 4)
    assert set(to_torch_state_dict(model, tensors=False)) == set(
        torch_parameter_names(model).values()
    )
    with pytest.raises(ImportError, match="needs PyTorch"):
        to_torch_state_dict(model)
