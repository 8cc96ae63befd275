"""Gradients into final states: backward(grad_output, grad_h_n) of RNN/LSTM/GRU, Bidirectional
and stacks, against finite differences and against PyTorch with a loss on h_n (and c_n)."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import check_against_finite_differences, like, parts

from tinyrnn import GRU, LSTM, RNN, Bidirectional, stacked

F64 = np.float64
KINDS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def build(kind, rng, **options):
    return KINDS[kind](3, 4, dtype=F64, rng=rng, **options)


def state(kind, rng, batch=2, hidden=4):
    h = rng.standard_normal((batch, hidden))
    return (h, rng.standard_normal((batch, hidden))) if kind == "LSTM" else h


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("extras", ["none", "lengths", "only_h_n"])
def test_gradcheck_with_grad_h_n(rng, record_max, kind, return_sequences, extras):
    layer = build(kind, rng, return_sequences=return_sequences)
    x, h0 = rng.standard_normal((2, 4, 3)), state(kind, rng)
    lengths = np.array([4, 2]) if extras == "lengths" else None
    out_shape = (2, 4, 4) if return_sequences else (2, 4)
    weights_out = None if extras == "only_h_n" else rng.standard_normal(out_shape)
    weights_n = state(kind, rng)
    error = check_against_finite_differences(layer, x, h0, lengths, weights_out, weights_n)
    record_max("grad_h_n gradcheck (RNN/LSTM/GRU), max abs error", error)


def test_lstm_grad_h_n_parts_may_be_none(rng):
    layer = build("LSTM", rng)
    x = rng.standard_normal((2, 4, 3))
    dc = rng.standard_normal((2, 4))
    layer(x)
    dx = layer.backward(None, (None, dc))
    layer(x)
    dx_zero_h = layer.backward(None, (np.zeros((2, 4)), dc))
    np.testing.assert_array_equal(dx, dx_zero_h)
    assert np.abs(dx).max() > 0


def _torch_loss(torch, out, h_n, weights_out, weights_n):
    loss = (out * torch.from_numpy(weights_out)).sum()
    for tensor, q in zip(h_n, weights_n, strict=True):
        loss = loss + (tensor * torch.from_numpy(q)).sum()
    return loss


def _max_param_error(model, reference):
    from tinyrnn.interop import torch_parameter_names

    params = dict(reference.named_parameters())
    return max(
        float(np.abs(param.grad - params[torch_parameter_names(model)[name]].grad.numpy()).max())
        for name, param in model.named_parameters()
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_single_layer_matches_torch_with_a_loss_on_h_n(rng, record_max, kind):
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    layer = build(kind, rng)
    x, h0 = rng.standard_normal((3, 5, 3)), state(kind, rng, batch=3)
    weights_out, weights_n = rng.standard_normal((3, 5, 4)), state(kind, rng, batch=3)
    out = layer(x, h0)
    dx = layer.backward(weights_out, weights_n)

    reference = to_torch_module(layer)
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = tuple(torch.tensor(a[None], requires_grad=True) for a in parts(h0))
    out_t, h_n_t = reference(x_t, h0_t if kind == "LSTM" else h0_t[0])
    h_n_t = [t[0] for t in (h_n_t if kind == "LSTM" else (h_n_t,))]
    _torch_loss(torch, out_t, h_n_t, weights_out, parts(weights_n)).backward()
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(dx - x_t.grad.numpy()).max()]
    errors += [
        np.abs(g - t.grad.numpy()[0]).max() for g, t in zip(parts(layer.grad_h0), h0_t, strict=True)
    ]
    errors.append(_max_param_error(layer, reference))
    record_max("grad_h_n vs torch (RNN/LSTM/GRU)", max(errors))
    assert max(errors) < 1e-9, errors


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_gradcheck_with_grad_h_n(rng, record_max, kind, return_sequences):
    layer = Bidirectional(build(kind, rng, return_sequences=return_sequences))
    x, h0 = rng.standard_normal((2, 3, 3)), (state(kind, rng), state(kind, rng))
    out_shape = (2, 3, 8) if return_sequences else (2, 8)
    weights_out = rng.standard_normal(out_shape)
    weights_n = (state(kind, rng), state(kind, rng))
    error = check_against_finite_differences(layer, x, h0, None, weights_out, weights_n)
    record_max("grad_h_n gradcheck (Bidirectional), max abs error", error)


def test_bidirectional_grad_h_n_halves_may_be_none(rng):
    layer = Bidirectional(build("GRU", rng))
    x = rng.standard_normal((2, 3, 3))
    g_backward = rng.standard_normal((2, 4))
    layer(x)
    dx = layer.backward(None, (None, g_backward))
    layer(x)
    dx_zero = layer.backward(None, (np.zeros((2, 4)), g_backward))
    np.testing.assert_array_equal(dx, dx_zero)
    assert np.abs(layer.grad_h0[1]).max() > 0 and not np.any(layer.grad_h0[0])
    layer(x)
    with pytest.raises(TypeError, match="Bidirectional: grad_h_n must be None or a pair"):
        layer.backward(None, np.zeros((2, 4)))


@pytest.mark.parametrize("kind", list(KINDS))
def test_bidirectional_matches_torch_with_a_loss_on_h_n(rng, record_max, kind):
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    layer = Bidirectional(build(kind, rng), backward_layer=build(kind, rng))
    x = rng.standard_normal((2, 5, 3))
    weights_out = rng.standard_normal((2, 5, 8))
    weights_n = (state(kind, rng), state(kind, rng))
    out = layer(x)
    dx = layer.backward(weights_out, weights_n)

    reference = to_torch_module(layer)
    x_t = torch.tensor(x, requires_grad=True)
    out_t, h_n_t = reference(x_t)
    # torch's h_n is (directions, batch, hidden), forward first; an LSTM's is (h_n, c_n).
    tensors = h_n_t if kind == "LSTM" else (h_n_t,)
    ours = [np.stack(p) for p in zip(*(parts(w) for w in weights_n), strict=True)]
    _torch_loss(torch, out_t, tensors, weights_out, ours).backward()
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(dx - x_t.grad.numpy()).max()]
    errors.append(_max_param_error(layer, reference))
    record_max("grad_h_n vs torch (Bidirectional)", max(errors))
    assert max(errors) < 1e-9, errors


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_two_layer_stack_matches_torch_with_a_loss_on_h_n(rng, record_max, kind, return_sequences):
    """The stack's backward takes grad_h_n as a list, one entry per layer, as its h_n."""
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    model = stacked(
        KINDS[kind], 3, 4, num_layers=2, return_sequences=return_sequences, dtype=F64, rng=rng
    )
    x = rng.standard_normal((2, 5, 3))
    y = model(x)
    weights_out = rng.standard_normal(y.shape)
    weights_n = [state(kind, rng), state(kind, rng)]  # layer 0, layer 1
    dx = model.backward(weights_out, weights_n)

    reference = to_torch_module(model)
    assert reference.num_layers == 2
    x_t = torch.tensor(x, requires_grad=True)
    out_t, h_n_t = reference(x_t)
    out_t = out_t if return_sequences else out_t[:, -1]
    # torch's h_n is (num_layers, batch, hidden), layer 0 first; an LSTM's is (h_n, c_n).
    tensors = h_n_t if kind == "LSTM" else (h_n_t,)
    ours = [np.stack(p) for p in zip(*(parts(w) for w in weights_n), strict=True)]
    _torch_loss(torch, out_t, tensors, weights_out, ours).backward()
    errors = [np.abs(y - out_t.detach().numpy()).max(), np.abs(dx - x_t.grad.numpy()).max()]
    errors.append(_max_param_error(model, reference))
    record_max("grad_h_n vs torch (2-layer stack)", max(errors))
    assert max(errors) < 1e-9, errors


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("extras", ["none", "lengths", "only_h_n"])
def test_stack_gradcheck_with_grad_h_n(rng, record_max, kind, bidirectional, extras):
    model = stacked(
        KINDS[kind], 3, 2, num_layers=2, bidirectional=bidirectional, return_sequences=False,
        dtype=F64, rng=rng,
    )  # fmt: skip
    x = rng.standard_normal((2, 4, 3))
    model(x)
    h0 = like(model.h_n, rng)  # one entry per layer, each shaped like that layer's h_n
    lengths = np.array([4, 2]) if extras == "lengths" else None
    weights_out = (
        None if extras == "only_h_n" else rng.standard_normal((2, 4 if bidirectional else 2))
    )
    error = check_against_finite_differences(model, x, h0, lengths, weights_out, like(h0, rng))
    record_max("grad_h_n gradcheck (stacks), max abs error", error)


def test_stack_grad_h_n_entries_may_be_none_and_bad_lists_are_refused(rng):
    model = stacked(LSTM, 3, 4, num_layers=2, dtype=F64, rng=rng)
    x = rng.standard_normal((2, 5, 3))
    model(x)
    grad_top = (None, rng.standard_normal((2, 4)))
    dx = model.backward(None, [None, grad_top])
    assert isinstance(model.grad_h0, list) and len(model.grad_h0) == 2
    model(x)
    dx_by_layer = model[0].backward(model[1].backward(model[2].backward(None, grad_top)))
    np.testing.assert_array_equal(dx, dx_by_layer)
    for bad, match in [((None,), "a tuple of length 1"), (np.zeros((2, 4)), "a ndarray")]:
        model(x)
        with pytest.raises(TypeError, match=f"RecurrentStack: grad_h_n .* got {match}"):
            model.backward(None, bad)
    with pytest.raises(TypeError, match="RecurrentStack: h0 must be None or a list"):
        model(x, [None, None, None])


@pytest.mark.parametrize(
    ("kind", "bad", "error", "match"),
    [
        ("GRU", np.zeros((3, 4)), ValueError, r"GRU.backward: expected grad_h_n of shape \(2, 4\)"),
        ("LSTM", np.zeros((2, 4)), TypeError, "LSTM.backward: expected grad_h_n as a tuple of 2"),
        ("LSTM", (None, np.zeros((2, 5))), ValueError, r"grad_h_n of shape \(2, 4\) \(like h_n\)"),
        ("RNN", "abc", TypeError, "RNN"),
    ],
)
def test_bad_grad_h_n_names_the_layer_and_shapes(rng, kind, bad, error, match):
    layer = build(kind, rng)
    layer(rng.standard_normal((2, 5, 3)))
    with pytest.raises(error, match=match):
        layer.backward(None, bad)
