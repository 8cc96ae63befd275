"""go_backwards=True (Keras'): read the sequence from its last step to its first and return the
outputs in that reversed order."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import check_against_finite_differences, parts

from tinyrnn import GRU, LSTM, RNN, Bidirectional

F64 = np.float64
KINDS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def twins(kind, rng, **options):
    """(layer with go_backwards=True, the same layer without), sharing weights."""
    backwards = KINDS[kind](3, 4, dtype=F64, rng=rng, go_backwards=True, **options)
    plain = KINDS[kind](3, 4, dtype=F64, rng=rng, **options)
    plain.load_state_dict(backwards.state_dict())
    return backwards, plain


def state(kind, rng):
    h = rng.standard_normal((2, 4))
    return (h, rng.standard_normal((2, 4))) if kind == "LSTM" else h


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_is_the_layer_on_the_reversed_sequence(rng, kind, return_sequences):
    backwards, plain = twins(kind, rng, return_sequences=return_sequences)
    x, mask = rng.standard_normal((2, 5, 3)), rng.random((2, 5)) < 0.7
    for call in ({}, {"mask": mask}):
        reversed_call = {"mask": mask[:, ::-1]} if call else {}
        np.testing.assert_array_equal(backwards(x, **call), plain(x[:, ::-1], **reversed_call))
        for a, b in zip(parts(backwards.h_n), parts(plain.h_n), strict=True):
            np.testing.assert_array_equal(a, b)
    assert "go_backwards=True" in repr(backwards)


@pytest.mark.parametrize("kind", list(KINDS))
def test_matches_torch_on_the_flipped_sequence(rng, record_max, kind):
    torch = pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module, torch_parameter_names

    backwards, plain = twins(kind, rng)
    x, h0 = rng.standard_normal((2, 5, 3)), state(kind, rng)
    weights_out, weights_n = rng.standard_normal((2, 5, 4)), state(kind, rng)
    out = backwards(x, h0)
    dx = backwards.backward(weights_out, weights_n)
    reference = to_torch_module(plain)
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = tuple(torch.tensor(a[None]) for a in parts(h0))
    out_t, h_n_t = reference(torch.flip(x_t, [1]), h0_t if kind == "LSTM" else h0_t[0])
    loss = (out_t * torch.from_numpy(weights_out)).sum()
    for tensor, q in zip(h_n_t if kind == "LSTM" else (h_n_t,), parts(weights_n), strict=True):
        loss = loss + (tensor[0] * torch.from_numpy(q)).sum()
    loss.backward()
    errors = [np.abs(out - out_t.detach().numpy()).max(), np.abs(dx - x_t.grad.numpy()).max()]
    params = dict(reference.named_parameters())
    names = torch_parameter_names(plain)
    errors += [
        np.abs(p.grad - params[names[n]].grad.numpy()).max()
        for n, p in backwards.named_parameters()
    ]
    record_max("go_backwards vs torch on the flipped sequence", max(errors))
    assert max(errors) < 1e-9, errors


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck(rng, record_max, kind, return_sequences):
    backwards, _ = twins(kind, rng, return_sequences=return_sequences)
    x, h0 = rng.standard_normal((2, 4, 3)), state(kind, rng)
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    weights_out = rng.standard_normal((2, 4, 4) if return_sequences else (2, 4))
    error = check_against_finite_differences(
        backwards, x, h0, None, weights_out, state(kind, rng), mask=mask
    )
    record_max("go_backwards gradcheck, max abs error", error)


def test_refusals(rng):
    backwards, _ = twins("GRU", rng)
    with pytest.raises(ValueError, match="GRU: go_backwards does not take lengths="):
        backwards(rng.standard_normal((2, 5, 3)), lengths=np.array([5, 3]))
    with pytest.raises(ValueError, match=r"GRU: expected mask of shape \(batch, time\)"):
        backwards(rng.standard_normal((2, 5, 3)), mask=np.ones(5, bool))
    with pytest.raises(ValueError, match="Bidirectional: give layers with go_backwards=False"):
        Bidirectional(backwards)
    pytest.importorskip("torch")
    from tinyrnn.interop import to_torch_module

    with pytest.raises(ValueError, match="to_torch_module"):
        to_torch_module(backwards)
