"""Unbatched inputs, as PyTorch accepts them: a layer on x (time, input) with h0 (hidden,), a
cell on x_t (input,) with states (hidden,); results and gradients unbatched too."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import check_against_finite_differences, parts
from step_cell import step_twin

from tinyrnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

F64 = np.float64
KINDS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
CELLS = {"RNN": RNNCell, "LSTM": LSTMCell, "GRU": GRUCell}


def state(kind, rng, shape=(4,)):
    h = rng.standard_normal(shape)
    return (h, rng.standard_normal(shape)) if kind == "LSTM" else h


def param_errors(ours, reference, torch_names):
    params = dict(reference.named_parameters())
    return [
        np.abs(p.grad - params[torch_names[name]].grad.numpy()).max()
        for name, p in ours.named_parameters()
    ]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("path", ["fused", "step"])
def test_layer_matches_torch_unbatched(rng, record_max, kind, path):
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module, torch_parameter_names

    layer = KINDS[kind](3, 4, dtype=F64, rng=rng)
    reference = to_torch_module(layer)
    names = torch_parameter_names(layer)
    if path == "step":
        layer = RNN(cell=step_twin(layer.cell))
    x, h0 = rng.standard_normal((5, 3)), state(kind, rng)
    weights_out, weights_n = rng.standard_normal((5, 4)), state(kind, rng)
    out = layer(x, h0)
    assert out.shape == (5, 4) and all(a.shape == (4,) for a in parts(layer.h_n))
    dx = layer.backward(weights_out, weights_n)
    assert dx.shape == (5, 3) and all(a.shape == (4,) for a in parts(layer.grad_h0))

    x_t = torch.tensor(x, requires_grad=True)
    h0_t = [torch.tensor(a[None], requires_grad=True) for a in parts(h0)]  # (layers, hidden)
    out_t, h_n_t = reference(x_t, tuple(h0_t) if kind == "LSTM" else h0_t[0])
    loss = (out_t * torch.from_numpy(weights_out)).sum()
    for tensor, q in zip(h_n_t if kind == "LSTM" else (h_n_t,), parts(weights_n), strict=True):
        loss = loss + (tensor[0] * torch.from_numpy(q)).sum()
    loss.backward()
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(dx - x_t.grad.numpy()).max()]
    errors += [
        np.abs(a - t.grad.numpy()[0]).max() for a, t in zip(parts(layer.grad_h0), h0_t, strict=True)
    ]
    errors += param_errors(layer, reference, names)
    record_max("unbatched layers vs torch", max(errors))
    assert max(errors) < 1e-9, errors


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_matches_torch_unbatched(rng, record_max, kind):
    torch = pytest.importorskip("torch")
    cell = CELLS[kind](3, 4, dtype=F64, rng=rng)
    reference = getattr(torch.nn, f"{kind}Cell")(3, 4, dtype=torch.float64)
    with torch.no_grad():
        for name, param in cell.named_parameters():
            getattr(reference, name).copy_(torch.from_numpy(param.data))
    x, h = rng.standard_normal(3), state(kind, rng)
    grad = state(kind, rng)
    new = cell(x, h)
    dx, grad_prev = cell.backward(grad)
    assert dx.shape == (3,) and all(a.shape == (4,) for a in parts(new) + parts(grad_prev))

    x_t = torch.tensor(x, requires_grad=True)
    h_t = [torch.tensor(a, requires_grad=True) for a in parts(h)]
    new_t = reference(x_t, tuple(h_t) if kind == "LSTM" else h_t[0])
    new_t = new_t if kind == "LSTM" else (new_t,)
    sum((t * torch.from_numpy(g)).sum() for t, g in zip(new_t, parts(grad), strict=True)).backward()
    errors = [np.abs(a - t.detach().numpy()).max() for a, t in zip(parts(new), new_t, strict=True)]
    errors += [np.abs(dx - x_t.grad.numpy()).max()]
    errors += [np.abs(a - t.grad.numpy()).max() for a, t in zip(parts(grad_prev), h_t, strict=True)]
    errors += [
        np.abs(p.grad - getattr(reference, name).grad.numpy()).max()
        for name, p in cell.named_parameters()
    ]
    record_max("unbatched cells vs torch", max(errors))
    assert max(errors) < 1e-12, errors


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck_unbatched(rng, record_max, kind, return_sequences):
    layer = KINDS[kind](3, 4, dtype=F64, rng=rng, return_sequences=return_sequences)
    x, h0 = rng.standard_normal((4, 3)), state(kind, rng)
    weights_out = rng.standard_normal((4, 4) if return_sequences else (4,))
    mask = np.array([True, False, True, True])
    error = check_against_finite_differences(
        layer, x, h0, None, weights_out, state(kind, rng), mask=mask
    )
    record_max("unbatched gradcheck, max abs error", error)


def test_unbatched_equals_a_batch_of_one_and_carries_state(rng):
    layer = LSTM(3, 4, dtype=F64, rng=rng, stateful=True)
    x = rng.standard_normal((2, 5, 3))
    batched = layer(x[:1])
    layer.reset_state()
    first = layer(x[0])
    np.testing.assert_array_equal(first, batched[0])
    second = layer(x[1])  # starts from the carried unbatched (h_n, c_n)
    layer.reset_state()
    want = LSTM(3, 4, dtype=F64, rng=rng)
    want.load_state_dict(layer.state_dict())
    want(x[:1])
    np.testing.assert_allclose(second, want(x[1:], want.h_n)[0], atol=1e-15)


def test_unbatched_refusals(rng):
    layer = GRU(3, 4, rng=rng)
    with pytest.raises(ValueError, match=r"GRU: with an unbatched input, h0 must be unbatched"):
        layer(np.zeros((5, 3)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="GRU: an unbatched input .* takes no lengths"):
        layer(np.zeros((5, 3)), lengths=np.array([3]))
    with pytest.raises(ValueError, match="LSTMCell: with an unbatched input, the state must"):
        LSTMCell(3, 4)(np.zeros(3), (np.zeros((1, 4)), np.zeros((1, 4))))
