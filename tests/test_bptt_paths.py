"""Every BPTT path of RNN (tanh, relu), LSTM and GRU against PyTorch, directly.

Fused kernels and the general (step by step) path, small and large (past any size threshold)
states, with and without `lengths`, many-to-many and many-to-one: outputs, dL/dx, dL/dh0 and
the parameter gradients must equal torch.nn.RNN/LSTM/GRU's. Public API only (see
bptt_cases.py); tests/test_bptt_paths_gradcheck.py checks the same cases without torch.
"""

from __future__ import annotations

import numpy as np
import pytest
from bptt_cases import KINDS, SIZES, build, forward_backward, inputs

PATHS = {False: "fused", True: "general"}


def torch_twin(torch, model, kind):
    """A batch_first torch module with the model's weights, float64."""
    cell = model.cell
    options = dict(batch_first=True, dtype=torch.float64)
    if kind in ("tanh", "relu"):
        module = torch.nn.RNN(cell.input_size, cell.hidden_size, nonlinearity=kind, **options)
    else:
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](
            cell.input_size, cell.hidden_size, **options
        )
    with torch.no_grad():
        for name, param in cell.named_parameters():
            getattr(module, f"{name}_l0").copy_(torch.from_numpy(param.data))
    return module


def torch_forward_backward(torch, module, x, h0, lengths, upstream, return_sequences):
    """The same names as bptt_cases.forward_backward, computed by torch's autograd."""
    x_t = torch.tensor(x, requires_grad=True)
    states = (
        []
        if h0 is None
        else [
            torch.tensor(s[None], requires_grad=True)
            for s in (h0 if isinstance(h0, tuple) else (h0,))
        ]
    )
    state = None if h0 is None else (tuple(states) if len(states) == 2 else states[0])
    if lengths is None:
        out, h_n = module(x_t, state)
    else:
        pack = torch.nn.utils.rnn
        packed = pack.pack_padded_sequence(
            x_t, torch.tensor(lengths), batch_first=True, enforce_sorted=False
        )
        out, h_n = module(packed, state)
        out, _ = pack.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    if not return_sequences:  # the last valid step: h_n of the single layer
        out = (h_n[0] if isinstance(h_n, tuple) else h_n)[0]
    (out * torch.from_numpy(upstream)).sum().backward()
    found = {"output": out.detach().numpy(), "x": x_t.grad.numpy()}
    found.update(
        {
            name: s.grad[0].numpy()
            for name, s in zip(("h0", "c0")[: len(states)], states, strict=True)
        }
    )
    found.update(
        {name.removesuffix("_l0"): p.grad.numpy() for name, p in module.named_parameters()}
    )
    return found


@pytest.mark.parametrize("return_sequences", [True, False], ids=["many2many", "many2one"])
@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize("general", list(PATHS), ids=list(PATHS.values()))
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("kind", KINDS)
def test_bptt_matches_torch(kind, size, general, with_lengths, return_sequences, record_max):
    torch = pytest.importorskip("torch")
    model = build(kind, size, general, return_sequences)
    case = inputs(kind, size, with_lengths, return_sequences)
    ours = forward_backward(model, *case)
    theirs = torch_forward_backward(torch, torch_twin(torch, model, kind), *case, return_sequences)
    assert set(ours) == set(theirs)
    for name, expected in theirs.items():
        gap = np.abs(ours[name] - expected).max()
        record_max(f"BPTT paths vs torch, {size}: max abs error", gap)
        np.testing.assert_allclose(ours[name], expected, rtol=1e-9, atol=1e-11, err_msg=name)
