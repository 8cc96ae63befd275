"""Stacked recurrent layers: stacked(), gradcheck, torch num_layers parity with h0 and lengths."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn.layers.bidirectional import Bidirectional
from tinyrnn.layers.dropout import Dropout
from tinyrnn.layers.gru_cell import GRUCell
from tinyrnn.layers.lstm_cell import LSTMCell
from tinyrnn.layers.stacked import stacked

KINDS = ["RNN", "LSTMCell", "GRUCell", "LSTM", "GRU"]


def layer_type(kind):
    """A callable (input_size, hidden_size, *, return_sequences, dtype, rng) -> sequence layer."""
    if kind == "RNN":
        return tinyrnn.RNN
    if kind.endswith("Cell"):
        cell_type = LSTMCell if kind == "LSTMCell" else GRUCell

        def make(input_size, hidden_size, *, return_sequences=True, dtype=None, rng=None):
            cell = cell_type(input_size, hidden_size, dtype=dtype, rng=rng)
            return tinyrnn.RNN(cell=cell, return_sequences=return_sequences)

        return make
    return getattr(tinyrnn, kind)


def test_structure(rng):
    model = stacked(tinyrnn.RNN, 3, 5, num_layers=3, dropout=0.2, return_sequences=False, rng=rng)
    assert isinstance(model, tinyrnn.RecurrentStack) and isinstance(model, tinyrnn.Sequential)
    assert len(model) == 5
    assert [type(layer).__name__ for layer in model] == ["RNN", "Dropout", "RNN", "Dropout", "RNN"]
    assert [model[i].cell.input_size for i in (0, 2, 4)] == [3, 5, 5]
    assert [model[i].return_sequences for i in (0, 2, 4)] == [True, True, False]
    assert model[1].p == 0.2 and model[1].rng is rng
    assert model(np.zeros((2, 4, 3))).shape == (2, 5)
    bidirectional = stacked(tinyrnn.RNN, 3, 5, num_layers=2, bidirectional=True, rng=rng)
    assert isinstance(bidirectional[2], Bidirectional)
    assert bidirectional[2].forward_layer.cell.input_size == 10
    assert bidirectional(np.zeros((2, 4, 3))).shape == (2, 4, 10)
    # The two directions are initialised independently, as in PyTorch.
    weights = bidirectional[0].forward_layer.cell.weight_ih.data
    assert not np.array_equal(weights, bidirectional[0].backward_layer.cell.weight_ih.data)
    # Dropout(0) keeps the keys independent of `dropout`.
    plain = stacked(tinyrnn.RNN, 3, 5, num_layers=3)
    assert list(plain.state_dict()) == list(model.state_dict())
    assert isinstance(plain[1], Dropout) and plain[1].p == 0.0


@pytest.mark.parametrize("num_layers", [0, -1, 1.5, True])
def test_bad_num_layers(num_layers):
    with pytest.raises(ValueError, match="stacked: num_layers"):
        stacked(tinyrnn.RNN, 3, 5, num_layers=num_layers)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradcheck(kind, bidirectional, rng):
    model = stacked(
        layer_type(kind), 3, 2, num_layers=2, dropout=0.4, bidirectional=bidirectional,
        return_sequences=False, dtype=np.float64, rng=rng,
    )  # fmt: skip
    x = rng.standard_normal((2, 3, 3))
    report = tinyrnn.gradcheck(model.eval(), x)  # eval: the Dropout is the identity
    assert report.errors["input 0"] < 1e-7 and len(report.errors) > 8


def _torch_reference(model, kind, x, h0_layers):
    """Run the torch twin of `model` (made by interop) on x from per-layer initial states."""
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    reference = to_torch_module(model).eval()
    x_t = torch.tensor(x, requires_grad=True)
    if kind.startswith("LSTM"):
        h0_t = tuple(
            torch.tensor(np.stack(p), requires_grad=True) for p in zip(*h0_layers, strict=True)
        )
    else:
        h0_t = torch.tensor(np.stack(h0_layers), requires_grad=True)
    out, _ = reference(x_t, h0_t)
    return reference, x_t, h0_t, out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_matches_torch_num_layers_with_h0(kind, return_sequences, rng, record_max):
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import torch_parameter_names

    model = stacked(
        layer_type(kind), 3, 4, num_layers=3, dropout=0.3,
        return_sequences=return_sequences, dtype=np.float64, rng=rng,
    ).eval()  # fmt: skip
    x = rng.standard_normal((2, 5, 3))
    lstm = kind.startswith("LSTM")
    h0 = [
        tuple(rng.standard_normal((2, 4)) for _ in range(2))
        if lstm
        else rng.standard_normal((2, 4))
        for _ in range(3)
    ]
    y = model(x, h0)  # one initial state per layer, layer 0 first
    grad_output = rng.standard_normal(y.shape)
    grad = model.backward(grad_output)
    grads_h0 = model.grad_h0
    assert [g is model[i].grad_h0 for i, g in zip((0, 2, 4), grads_h0, strict=True)] == [True] * 3

    reference, x_t, h0_t, out_t = _torch_reference(model, kind, x, h0)
    assert reference.num_layers == 3 and reference.dropout == 0.3
    out_t = out_t if return_sequences else out_t[:, -1]
    out_t.backward(torch.from_numpy(grad_output))
    errors = [np.abs(y - out_t.detach().numpy()).max(), np.abs(grad - x_t.grad.numpy()).max()]
    if lstm:
        for part in range(2):
            ours = np.stack([g[part] for g in grads_h0])
            errors.append(np.abs(ours - h0_t[part].grad.numpy()).max())
    else:
        errors.append(np.abs(np.stack(grads_h0) - h0_t.grad.numpy()).max())
    torch_params = dict(reference.named_parameters())
    for ours, param in model.named_parameters():
        theirs = torch_parameter_names(model)[ours]
        errors.append(np.abs(param.grad - torch_params[theirs].grad.numpy()).max())
    record_max("stacked vs torch num_layers=3", max(errors))
    assert max(errors) < 1e-10, errors


def test_sequential_stack_trains_with_dropout(rng):
    model = tinyrnn.Sequential(
        stacked(tinyrnn.RNN, 1, 8, num_layers=2, dropout=0.1, return_sequences=False, rng=rng),
        tinyrnn.Linear(8, 1, rng=rng),
    )
    x = rng.uniform(-1, 1, (32, 6, 1)).astype(np.float32)
    target = x.sum(axis=1)
    loss_fn = tinyrnn.MSELoss()
    optimizer = tinyrnn.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(150):
        optimizer.zero_grad()
        losses.append(loss_fn(model(x), target))
        model.backward(loss_fn.backward())
        optimizer.step()
    assert losses[-1] < 0.2 * losses[0]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_lengths_match_torch_packed(kind, rng, record_max):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from tinyrnn.interop import to_torch_module

    model = stacked(layer_type(kind), 3, 4, num_layers=2, dtype=np.float64, rng=rng).eval()
    lengths = np.array([3, 5, 1])
    x = rng.standard_normal((3, 5, 3))
    y = model(x, lengths=lengths)  # every layer gets the lengths
    grad_output = rng.standard_normal(y.shape)
    grad_x = model.backward(grad_output)

    x_t = torch.tensor(x, requires_grad=True)
    packed = pack_padded_sequence(x_t, torch.from_numpy(lengths), True, enforce_sorted=False)
    out_t = pad_packed_sequence(to_torch_module(model)(packed)[0], True, total_length=5)[0]
    out_t.backward(torch.from_numpy(grad_output))
    errors = [np.abs(y - out_t.detach().numpy()).max(), np.abs(grad_x - x_t.grad.numpy()).max()]
    record_max("stacked(lengths) vs torch packed", max(errors))
    assert max(errors) < 1e-10, errors


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_mask_and_h0_go_to_every_layer_as_calls_by_hand(kind, rng):
    model = stacked(layer_type(kind), 3, 4, num_layers=2, dtype=np.float64, rng=rng)
    x = rng.standard_normal((2, 5, 3))
    mask = np.array([[True, False, True, True, False], [False, True, True, False, True]])
    shape = (2, 4)
    h0 = [
        (rng.standard_normal(shape), rng.standard_normal(shape))
        if kind == "LSTM"
        else rng.standard_normal(shape)
        for _ in range(2)
    ]
    grad_output = rng.standard_normal((2, 5, 4))
    y = model(x, h0, mask=mask)
    assert [h is model[i].h_n for h, i in zip(model.h_n, (0, 2), strict=True)] == [True, True]
    dx = model.backward(grad_output)
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    by_hand = model[2](model[1](model[0](x, h0[0], mask=mask)), h0[1], mask=mask)
    dx_by_hand = model[0].backward(model[1].backward(model[2].backward(grad_output)))
    np.testing.assert_array_equal(y, by_hand)
    np.testing.assert_array_equal(dx, dx_by_hand)
    for got, param in zip(grads, model.parameters(), strict=True):
        np.testing.assert_array_equal(got, param.grad)


@pytest.mark.parametrize("container", ["Sequential", "RecurrentStack"])
def test_a_missing_input_gradient_above_the_first_layer_is_refused(container, rng):
    model = stacked(tinyrnn.GRU, 3, 4, num_layers=2, dtype=np.float64, rng=rng)
    if container == "Sequential":
        model = tinyrnn.Sequential(*model)
    model[2].needs_input_grad = False  # the top layer would hand nothing down
    model(rng.standard_normal((2, 5, 3)))
    with pytest.raises(
        RuntimeError,
        match=rf"{container}.backward: layer 2 \(GRU\) returned no input gradient .* layer 1 needs",
    ):
        model.backward(np.ones((2, 5, 4)))
