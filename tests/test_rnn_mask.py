"""mask= (Keras' masking) on RNN/LSTM/GRU/Bidirectional, and pad_sequence/unpad_sequence.

Keras' semantics: a masked step leaves the state unchanged, and its output repeats the previous
output (zeros before a sample's first unmasked step). The reference here is independent of the
mask code: each sample is run (in PyTorch) on its unmasked steps only, and its outputs are
spread back over time by that rule, with autograd through the spreading.
"""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import check_against_finite_differences, parts

import tinyrnn
from tinyrnn import GRU, LSTM, RNN, Bidirectional
from tinyrnn.data import pad_sequence, unpad_sequence

F64 = np.float64
KINDS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
# Sample 0: gaps; 1: leading masked steps; 2: all masked; 3: trailing masked steps.
MASK = np.array(
    [
        [True, False, True, False, False, True],
        [False, False, True, True, False, True],
        [False, False, False, False, False, False],
        [True, True, True, False, False, False],
    ]
)


def build(kind, rng, **options):
    return KINDS[kind](3, 4, dtype=F64, rng=rng, **options)


def state(kind, rng, batch=4):
    h = rng.standard_normal((batch, 4))
    return (h, rng.standard_normal((batch, 4))) if kind == "LSTM" else h


def torch_reference(torch, layer, kind, x, h0, weights_out, weights_n, return_sequences):
    """Outputs, h_n parts, dx, dh0 parts and parameter grads, from the unmasked steps alone."""
    from tinyrnn.interop import to_torch_module

    reference = to_torch_module(layer)
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = [torch.tensor(a, requires_grad=True) for a in parts(h0)]
    loss, outputs, finals = 0, [], []
    for b in range(x.shape[0]):
        steps = np.flatnonzero(MASK[b])
        state = [a[b : b + 1][None] for a in h0_t]  # (1, 1, hidden)
        if len(steps):
            seq, final = reference(
                x_t[b : b + 1, steps], tuple(state) if kind == "LSTM" else state[0]
            )
            state = list(final) if kind == "LSTM" else [final]
            seq = seq[0]
        # Spread over time: step t shows the output of the last unmasked step <= t, else zeros.
        rows = []
        for t in range(x.shape[1]):
            done = np.searchsorted(steps, t, side="right")  # unmasked steps at or before t
            rows.append(seq[done - 1] if done else torch.zeros(4, dtype=torch.float64))
        out = torch.stack(rows)
        out = out if return_sequences else out[-1]
        outputs.append(out)
        finals.append([s[0, 0] for s in state])
        loss = loss + (out * torch.from_numpy(weights_out[b])).sum()
        for s, q in zip(finals[-1], parts(weights_n), strict=True):
            loss = loss + (s * torch.from_numpy(q[b])).sum()
    loss.backward()
    params = dict(reference.named_parameters())
    from tinyrnn.interop import torch_parameter_names

    names = torch_parameter_names(layer)
    return {
        "output": torch.stack(outputs).detach().numpy(),
        "h_n": [torch.stack(f).detach().numpy() for f in zip(*finals, strict=True)],
        "dx": x_t.grad.numpy(),
        "dh0": [t.grad.numpy() for t in h0_t],
        "params": [params[names[name]].grad.numpy() for name, _ in layer.named_parameters()],
    }


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("path", ["fused", "step"])
def test_mask_matches_running_only_the_unmasked_steps(
    rng, record_max, kind, return_sequences, path
):
    torch = pytest.importorskip("torch")
    layer = build(kind, rng, return_sequences=return_sequences)
    if path == "step":
        from step_cell import step_twin

        layer = RNN(cell=step_twin(layer.cell), return_sequences=return_sequences)
    x, h0 = rng.standard_normal((4, 6, 3)), state(kind, rng)
    x[~MASK] = np.nan  # masked steps are never read
    weights_out = rng.standard_normal((4, 6, 4) if return_sequences else (4, 4))
    weights_n = state(kind, rng)
    out = layer(x, h0, mask=MASK)
    dx = layer.backward(weights_out, weights_n)
    want = torch_reference(
        torch, layer, kind, np.nan_to_num(x), h0, weights_out, weights_n, return_sequences
    )
    errors = [np.abs(out - want["output"]).max(), np.abs(dx - want["dx"]).max()]
    errors += [np.abs(a - b).max() for a, b in zip(parts(layer.h_n), want["h_n"], strict=True)]
    errors += [np.abs(a - b).max() for a, b in zip(parts(layer.grad_h0), want["dh0"], strict=True)]
    errors += [
        np.abs(p.grad - g).max() for p, g in zip(layer.parameters(), want["params"], strict=True)
    ]
    record_max("mask vs torch on the unmasked steps only", max(errors))
    assert max(errors) < 1e-9, errors
    assert not np.any(dx[~MASK])
    if return_sequences:  # the rule, on the data: a repeat, or zeros before the first step
        np.testing.assert_array_equal(out[0, 1], out[0, 0])
        np.testing.assert_array_equal(out[1, :2], 0)
        np.testing.assert_array_equal(out[2], 0)
    else:
        np.testing.assert_array_equal(out[2], 0)  # no unmasked step: zeros, as Keras


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_gradcheck_with_mask(rng, record_max, kind, return_sequences, with_lengths):
    layer = build(kind, rng, return_sequences=return_sequences)
    mask = MASK[:, :4]
    x, h0 = rng.standard_normal((4, 4, 3)), state(kind, rng)
    lengths = np.array([3, 4, 2, 4]) if with_lengths else None
    weights_out = rng.standard_normal((4, 4, 4) if return_sequences else (4, 4))
    error = check_against_finite_differences(
        layer, x, h0, lengths, weights_out, state(kind, rng), mask=mask
    )
    record_max("mask gradcheck (RNN/LSTM/GRU), max abs error", error)


def test_all_true_mask_changes_nothing_and_trailing_gaps_agree_with_lengths(rng):
    layer = build("LSTM", rng)
    x = rng.standard_normal((4, 6, 3))
    plain = layer(x)
    np.testing.assert_array_equal(layer(x, mask=np.ones((4, 6), bool)), plain)
    lengths = np.array([6, 2, 4, 1])
    trailing = np.arange(6)[None, :] < lengths[:, None]
    masked = layer(x, mask=trailing)
    h_n = layer.h_n
    padded = layer(x, lengths=lengths)
    for a, b in zip(h_n, layer.h_n, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-15)
    np.testing.assert_allclose(masked[trailing], padded[trailing], atol=1e-15)
    # Past its length, lengths= gives zeros (PyTorch), mask= repeats the last output (Keras).
    np.testing.assert_allclose(masked[1, 5], padded[1, 1], atol=1e-15)
    np.testing.assert_array_equal(padded[1, 5], 0)


@pytest.mark.parametrize(
    "mask, error, match",
    [
        (np.ones((4, 6), int), TypeError, "RNN: mask must be a boolean array"),
        (np.ones((4, 5), bool), ValueError, r"RNN: expected mask of shape \(batch, time\)"),
        (np.ones(6, bool), ValueError, "got \\(6,\\)"),
    ],
)
def test_bad_masks_give_clear_errors(rng, mask, error, match):
    with pytest.raises(error, match=match):
        build("RNN", rng)(rng.standard_normal((4, 6, 3)), mask=mask)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_mask_is_keras_composition(rng, record_max, kind, return_sequences):
    """Keras' Bidirectional: the backward layer reads x and the mask reversed in time; with
    sequence outputs, both halves are zero at masked steps."""
    layer = Bidirectional(build(kind, rng, return_sequences=return_sequences))
    x = rng.standard_normal((4, 6, 3))
    out = layer(x, mask=MASK)
    forward = layer.forward_layer(x, mask=MASK)
    backward = layer.backward_layer(x[:, ::-1], mask=MASK[:, ::-1])
    if return_sequences:
        backward = backward[:, ::-1]
        forward, backward = forward * MASK[:, :, None], backward * MASK[:, :, None]
    np.testing.assert_allclose(out, np.concatenate([forward, backward], axis=-1), atol=1e-15)
    layer.clear_saved()
    weights_out = rng.standard_normal((4, 4, 8) if return_sequences else (4, 8))
    weights_n = (state(kind, rng), state(kind, rng))
    error = check_against_finite_differences(
        layer, x[:, :4], None, None, weights_out, weights_n, mask=MASK[:, :4]
    )
    record_max("mask gradcheck (Bidirectional), max abs error", error)


def test_pad_and_unpad_sequence_match_torch(rng):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pad_sequence as torch_pad
    from torch.nn.utils.rnn import unpad_sequence as torch_unpad

    sequences = [rng.standard_normal((n, 3)) for n in (4, 1, 6)]
    tensors = [torch.from_numpy(s) for s in sequences]
    lengths = np.array([4, 1, 6])
    for batch_first in (True, False):
        ours = pad_sequence(sequences, batch_first=batch_first, padding_value=-1.5)
        theirs = torch_pad(tensors, batch_first=batch_first, padding_value=-1.5).numpy()
        np.testing.assert_array_equal(ours, theirs)
        back = unpad_sequence(ours, lengths, batch_first=batch_first)
        want = torch_unpad(torch.from_numpy(ours), torch.from_numpy(lengths), batch_first)
        for a, b, s in zip(back, want, sequences, strict=True):
            np.testing.assert_array_equal(a, b.numpy())
            np.testing.assert_array_equal(a, s)
    assert pad_sequence([np.arange(3), np.arange(5)]).shape == (2, 5)  # (L_i,) sequences


def test_padded_batch_runs_with_lengths_or_mask(rng):
    sequences = [rng.standard_normal((n, 3)) for n in (4, 1, 6)]
    layer = build("GRU", rng)
    x, lengths = pad_sequence(sequences), np.array([4, 1, 6])
    outputs = unpad_sequence(layer(x, lengths=lengths), lengths)
    for sequence, output in zip(sequences, outputs, strict=True):
        np.testing.assert_allclose(output, layer(sequence[None])[0], atol=1e-14)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: pad_sequence([]), ValueError, "pad_sequence: expected at least one"),
        (
            lambda: pad_sequence([np.zeros((2, 3)), np.zeros((2, 4))]),
            ValueError,
            "same trailing shape",
        ),
        (lambda: unpad_sequence(np.zeros((2, 3)), [1.0, 2.0]), TypeError, "integers"),
        (lambda: unpad_sequence(np.zeros((2, 3)), [1, 4]), ValueError, r"\[0, 3\]"),
        (lambda: unpad_sequence(np.zeros((2, 3)), [1]), ValueError, "shape"),
    ],
)
def test_padding_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_mask_under_no_grad_and_float32(rng):
    layer = KINDS["LSTM"](3, 4, dtype=np.float32, rng=rng)
    with tinyrnn.no_grad():
        out = layer(rng.standard_normal((4, 6, 3)), mask=MASK)
    assert out.dtype == np.float32 and layer.pending_backwards == 0
