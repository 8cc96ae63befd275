"""Bidirectional: structure, gradcheck (input, parameters, h0 pair), PyTorch parity, bad input."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinyrnn
from tinyrnn.layers.bidirectional import Bidirectional
from tinyrnn.layers.gru_cell import GRUCell
from tinyrnn.layers.lstm_cell import LSTMCell

# "LSTMCell"/"GRUCell": RNN(cell=...); "LSTM"/"GRU": the dedicated layers, once they exist.
KINDS = ["RNN", "RNN_relu", "LSTMCell", "GRUCell", "LSTM", "GRU"]


def make_layer(kind, input_size, hidden_size, rng, return_sequences=True):
    options = {"dtype": np.float64, "rng": rng}
    if kind.startswith("RNN"):
        nonlinearity = "relu" if kind == "RNN_relu" else "tanh"
        return tinyrnn.RNN(
            input_size, hidden_size, nonlinearity=nonlinearity,
            return_sequences=return_sequences, **options,
        )  # fmt: skip
    if kind.endswith("Cell"):
        cell_type = LSTMCell if kind == "LSTMCell" else GRUCell
        cell = cell_type(input_size, hidden_size, **options)
        return tinyrnn.RNN(cell=cell, return_sequences=return_sequences)
    layer_type = getattr(tinyrnn, kind, None)
    if layer_type is None:
        pytest.skip(f"tinyrnn.{kind} does not exist yet (another helper is writing it)")
    return layer_type(input_size, hidden_size, return_sequences=return_sequences, **options)


def random_state(kind, batch, hidden_size, rng):
    """A state for one direction: (h, c) for LSTMs, else h."""
    if kind.startswith("LSTM"):
        return (
            rng.standard_normal((batch, hidden_size)),
            rng.standard_normal((batch, hidden_size)),
        )
    return rng.standard_normal((batch, hidden_size))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck_input_params_and_h0_pair(kind, return_sequences, rng):
    layer = Bidirectional(make_layer(kind, 3, 2, rng, return_sequences))
    x = rng.standard_normal((2, 4, 3))
    h0 = (random_state(kind, 2, 2, rng), random_state(kind, 2, 2, rng))
    report = tinyrnn.gradcheck(layer, x, h0)
    assert any(name.startswith("input 1[1]") for name in report.errors)  # h0_backward checked
    assert len([n for n in report.errors if n.startswith("param backward_layer")]) >= 2


def test_h0_pair_may_hold_none(rng):
    layer = Bidirectional(make_layer("RNN", 3, 2, rng))
    x = rng.standard_normal((2, 4, 3))
    tinyrnn.gradcheck(layer, x, (None, rng.standard_normal((2, 2))))
    zero = np.zeros((2, 2))
    np.testing.assert_array_equal(layer(x), layer(x, (zero, None)))


def test_halves_are_the_two_directions(rng):
    forward_only = make_layer("RNN", 3, 4, rng)
    layer = Bidirectional(forward_only)
    x = rng.standard_normal((2, 5, 3))
    out = layer(x)
    assert out.shape == (2, 5, 8)
    np.testing.assert_allclose(out[..., :4], forward_only(x), atol=1e-15)
    backward_alone = layer.backward_layer(x[:, ::-1])  # reads time T-1 first
    np.testing.assert_allclose(out[..., 4:], backward_alone[:, ::-1], atol=1e-15)
    many_to_one = Bidirectional(make_layer("RNN", 3, 4, rng, return_sequences=False))
    many_to_one.backward_layer.load_state_dict(layer.backward_layer.state_dict())
    many_to_one.forward_layer.load_state_dict(layer.forward_layer.state_dict())
    # PyTorch's h_n: the forward direction's last step and the backward one's (time 0).
    expected = np.concatenate([out[:, -1, :4], out[:, 0, 4:]], axis=-1)
    np.testing.assert_allclose(many_to_one(x), expected, atol=1e-15)


def test_backward_layer_is_an_independent_copy(rng):
    inner = make_layer("RNN", 3, 2, rng)
    layer = Bidirectional(inner)
    assert layer.forward_layer is inner
    keys = list(layer.state_dict())
    assert keys[0] == "forward_layer.cell.weight_ih" and "backward_layer.cell.bias_hh" in keys
    assert len(list(layer.parameters())) == 8
    np.testing.assert_array_equal(
        inner.cell.weight_hh.data, layer.backward_layer.cell.weight_hh.data
    )
    layer.backward_layer.cell.weight_hh.data += 1
    assert not np.array_equal(inner.cell.weight_hh.data, layer.backward_layer.cell.weight_hh.data)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_matches_torch(kind, return_sequences, rng, record_max):
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module, torch_parameter_names

    layer = Bidirectional(
        make_layer(kind, 3, 4, rng, return_sequences),
        backward_layer=make_layer(kind, 3, 4, rng, return_sequences),
    )
    reference = to_torch_module(layer)
    x = rng.standard_normal((2, 6, 3))
    h0 = (random_state(kind, 2, 4, rng), random_state(kind, 2, 4, rng))
    out = layer(x, h0)
    grad_output = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad_output)

    # torch stacks the directions' states on a leading axis: (2, batch, hidden).
    x_t = torch.tensor(x, requires_grad=True)
    if kind.startswith("LSTM"):
        h0_t = tuple(
            torch.tensor(np.stack(part), requires_grad=True) for part in zip(*h0, strict=True)
        )
    else:
        h0_t = torch.tensor(np.stack(h0), requires_grad=True)
    seq, _ = reference(x_t, h0_t)
    out_t = seq if return_sequences else torch.cat([seq[:, -1, :4], seq[:, 0, 4:]], -1)
    out_t.backward(torch.from_numpy(grad_output))
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(grad_x - x_t.grad.numpy()).max()]
    if kind.startswith("LSTM"):
        grads_h0 = [np.stack(part) for part in zip(*layer.grad_h0, strict=True)]
        errors += [np.abs(g - t.grad.numpy()).max() for g, t in zip(grads_h0, h0_t, strict=True)]
    else:
        errors.append(np.abs(np.stack(layer.grad_h0) - h0_t.grad.numpy()).max())
    torch_params = dict(reference.named_parameters())
    params = dict(layer.named_parameters())
    for ours, theirs in torch_parameter_names(layer).items():
        errors.append(np.abs(params[ours].grad - torch_params[theirs].grad.numpy()).max())
    record_max("Bidirectional vs torch", max(errors))
    assert max(errors) < 1e-10, errors


needs_lengths = pytest.mark.skipif(
    "lengths" not in inspect.signature(tinyrnn.RNN.forward).parameters,
    reason="RNN(lengths=...) does not exist yet (another helper is adding it)",
)


@needs_lengths
@pytest.mark.parametrize("kind", ["RNN", "LSTMCell", "GRU"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck_with_lengths(kind, return_sequences, rng):
    layer = Bidirectional(make_layer(kind, 2, 3, rng, return_sequences))
    x = rng.standard_normal((3, 5, 2))
    h0 = (random_state(kind, 3, 3, rng), random_state(kind, 3, 3, rng))
    report = tinyrnn.gradcheck(layer, x, h0, np.array([5, 2, 1]))
    assert "input 0" in report.errors


@needs_lengths
@pytest.mark.parametrize("kind", ["RNN", "LSTMCell", "GRUCell", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_lengths_match_torch_packed_sequences(kind, return_sequences, rng, record_max):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from tinyrnn.interop import to_torch_module

    layer = Bidirectional(
        make_layer(kind, 3, 4, rng, return_sequences),
        backward_layer=make_layer(kind, 3, 4, rng, return_sequences),
    )
    reference = to_torch_module(layer)
    lengths = np.array([2, 6, 1, 4])
    x = rng.standard_normal((4, 6, 3))
    x[np.arange(6)[None, :] >= lengths[:, None]] = 1e3  # padding must not matter
    out = layer(x, lengths=lengths)
    grad_output = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad_output)

    x_t = torch.tensor(x, requires_grad=True)
    packed = pack_padded_sequence(x_t, torch.from_numpy(lengths), True, enforce_sorted=False)
    out_packed, h_n = reference(packed)
    if return_sequences:
        out_t = pad_packed_sequence(out_packed, batch_first=True, total_length=6)[0]
    else:  # PyTorch's h_n: (directions, batch, hidden), in the original batch order
        h_n = h_n[0] if kind.startswith("LSTM") else h_n
        out_t = torch.cat([h_n[0], h_n[1]], dim=-1)
    out_t.backward(torch.from_numpy(grad_output))
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(grad_x - x_t.grad.numpy()).max()]
    record_max("Bidirectional(lengths) vs torch packed", max(errors))
    assert max(errors) < 1e-10, errors


def test_bad_input(rng):
    layer = Bidirectional(make_layer("RNN", 3, 2, rng))
    x = rng.standard_normal((2, 4, 3))
    with pytest.raises(TypeError, match=r"Bidirectional: h0 must be None or a pair"):
        layer(x, rng.standard_normal((2, 2)))
    with pytest.raises(ValueError, match=r"Bidirectional: expected input of shape"):
        layer(x[0])
    layer(x)
    with pytest.raises(ValueError, match=r"Bidirectional.backward: expected grad_output of shape"):
        layer.backward(np.zeros((2, 4, 2)))
    with pytest.raises(TypeError, match=r"Bidirectional: expected a sequence layer"):
        Bidirectional(tinyrnn.Linear(3, 2))
    with pytest.raises(ValueError, match=r"stateful"):
        Bidirectional(tinyrnn.RNN(3, 2, stateful=True))
    with pytest.raises(ValueError, match=r"return_sequences"):
        Bidirectional(
            make_layer("RNN", 3, 2, rng), backward_layer=make_layer("RNN", 3, 2, rng, False)
        )
