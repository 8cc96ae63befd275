"""dropout= / recurrent_dropout= inside RNN/LSTM/GRU (Keras, Gal & Ghahramani): one mask per
sequence, held across its steps, on x_t and on h_{t-1} where the cell reads it; identity in
eval(); masks drawn from the layer's rng (input mask first)."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import check_against_finite_differences, parts
from step_cell import step_twin

from tinyrnn import GRU, LSTM, RNN, Bidirectional
from tinyrnn.layers.dropout import dropout_mask

F64 = np.float64
KINDS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def build(kind, seed=0, **options):
    return KINDS[kind](3, 4, dtype=F64, rng=np.random.default_rng(seed), **options)


def state(kind, rng, batch=2):
    h = rng.standard_normal((batch, 4))
    return (h, rng.standard_normal((batch, 4))) if kind == "LSTM" else h


def masks(seed, x, p, q):
    """The masks a layer with rng=default_rng(seed) draws for x: input first, then state."""
    rng = np.random.default_rng(seed)
    m_x = dropout_mask((x.shape[0], x.shape[2]), p, rng, x) if p else np.ones((2, 3))
    m_h = dropout_mask((x.shape[0], 4), q, rng, x) if q else np.ones((2, 4))
    return m_x, m_h


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("rates", [(0.3, 0.0), (0.0, 0.4), (0.3, 0.4)], ids=str)
def test_matches_torch_cells_with_the_same_masks(rng, record_max, kind, rates):
    torch = pytest.importorskip("torch")
    p, q = rates
    layer = build(kind, dropout=p, recurrent_dropout=q)
    layer.rng = np.random.default_rng(7)
    x, h0 = rng.standard_normal((2, 6, 3)), state(kind, rng)
    weights_out, weights_n = rng.standard_normal((2, 6, 4)), state(kind, rng)
    out = layer(x, h0)
    dx = layer.backward(weights_out, weights_n)
    m_x, m_h = (torch.from_numpy(m) for m in masks(7, x, p, q))

    cell = getattr(torch.nn, f"{kind}Cell")(3, 4, dtype=torch.float64)
    with torch.no_grad():
        for name, param in layer.cell.named_parameters():
            getattr(cell, name).copy_(torch.from_numpy(param.data))
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = [torch.tensor(a, requires_grad=True) for a in parts(h0)]
    h, c, outputs = h0_t[0], h0_t[-1], []
    for t in range(6):
        x_step = x_t[:, t] * m_x  # the same masks at every step
        if kind == "LSTM":
            h, c = cell(x_step, (h * m_h, c))
        else:
            h = cell(x_step, h * m_h)
        outputs.append(h)
    out_t = torch.stack(outputs, 1)
    finals = (h, c) if kind == "LSTM" else (h,)
    loss = (out_t * torch.from_numpy(weights_out)).sum()
    for tensor, weight in zip(finals, parts(weights_n), strict=True):
        loss = loss + (tensor * torch.from_numpy(weight)).sum()
    loss.backward()
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(dx - x_t.grad.numpy()).max()]
    errors += [
        np.abs(a - t.grad.numpy()).max() for a, t in zip(parts(layer.grad_h0), h0_t, strict=True)
    ]
    errors += [
        np.abs(param.grad - getattr(cell, name).grad.numpy()).max()
        for name, param in layer.cell.named_parameters()
    ]
    record_max("dropout/recurrent_dropout vs torch cells with the same masks", max(errors))
    assert max(errors) < 1e-9, errors


def fixed_mask_layer(kind, **options):
    """A layer that re-seeds its rng at every forward: the same masks on every call."""

    def forward(self, *args, **kwargs):
        self.rng = np.random.default_rng(11)
        return KINDS[kind].forward(self, *args, **kwargs)

    layer_type = type(f"Fixed{kind}", (KINDS[kind],), {"forward": forward})
    return layer_type(3, 4, dtype=F64, rng=np.random.default_rng(0), **options)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck_with_fixed_masks(rng, record_max, kind, return_sequences):
    layer = fixed_mask_layer(
        kind, dropout=0.3, recurrent_dropout=0.4, return_sequences=return_sequences
    )
    x, h0 = rng.standard_normal((2, 4, 3)), state(kind, rng)
    step_mask = np.array([[True, False, True, True], [True, True, True, False]])
    weights_out = rng.standard_normal((2, 4, 4) if return_sequences else (2, 4))
    error = check_against_finite_differences(
        layer, x, h0, None, weights_out, state(kind, rng), mask=step_mask
    )
    record_max("recurrent dropout gradcheck (fixed masks), max abs error", error)


@pytest.mark.parametrize("kind", list(KINDS))
def test_eval_is_the_identity_and_training_is_not(rng, kind):
    layer = build(kind, dropout=0.5, recurrent_dropout=0.5)
    plain = build(kind)
    x = rng.standard_normal((2, 6, 3))
    np.testing.assert_array_equal(layer.eval()(x), plain(x))
    assert not np.allclose(layer.train()(x), plain(x))


@pytest.mark.parametrize("kind", list(KINDS))
def test_input_mask_is_one_per_sequence_and_fused_equals_step(rng, kind):
    fused = build(kind, dropout=0.5)
    step = RNN(cell=step_twin(fused.cell), dropout=0.5)
    x = rng.standard_normal((2, 6, 3))
    fused.rng, step.rng = np.random.default_rng(3), np.random.default_rng(3)
    got, want = fused(x), step(x)
    np.testing.assert_allclose(got, want, atol=1e-14)
    m_x, _ = masks(3, x, 0.5, 0.0)
    np.testing.assert_allclose(got, build(kind)(x * m_x[:, None, :]), atol=1e-14)
    upstream = rng.standard_normal(got.shape)
    np.testing.assert_allclose(fused.backward(upstream), step.backward(upstream), atol=1e-14)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"dropout": 1.5}, ValueError, "LSTM: dropout must be in"),
        ({"recurrent_dropout": -0.1}, ValueError, "LSTM: recurrent_dropout must be in"),
        ({"dropout": "0.2"}, TypeError, "LSTM: dropout must be a number"),
    ],
)
def test_bad_rates(options, error, match):
    with pytest.raises(error, match=match):
        LSTM(3, 4, **options)


def test_no_torch_twin_with_dropout_inside():
    pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    with pytest.raises(ValueError, match="to_torch_module"):
        to_torch_module(GRU(3, 4, recurrent_dropout=0.2))


def test_bidirectional_copy_shares_the_generator_so_directions_draw_different_masks():
    layer = Bidirectional(build("GRU", dropout=0.5))
    assert layer.backward_layer.rng is layer.forward_layer.rng
    # Same weights and an input equal to its own reversal: the backward layer's raw outputs
    # (out[:, ::-1, 4:]) would equal the forward ones (out[..., :4]) with the same masks.
    out = layer(np.ones((1, 4, 3)))
    assert not np.allclose(out[:, ::-1, 4:], out[..., :4])
    layer.eval()
    out = layer(np.ones((1, 4, 3)))
    np.testing.assert_allclose(out[:, ::-1, 4:], out[..., :4], atol=1e-15)
