"""RNN(x, h0, lengths=...): variable-length batches on the fast and the general path."""

from __future__ import annotations

import numpy as np
import pytest
from step_cell import StepCell

import tinyrnn
from tinyrnn import RNN, Module, RNNCell

F64 = np.float64
TOL = 1e-12
LENGTHS = np.array([5, 2, 3, 1])


class PairCell(Module):
    """A cell with a tuple state (h, c): h_t = RNNCell(x_t, h_{t-1}), c_t = c_{t-1} + h_t."""

    def __init__(self, inputs, hidden, rng):
        super().__init__()
        self.inner = RNNCell(inputs, hidden, dtype=F64, rng=rng)
        self.hidden_size = hidden

    def initial_state(self, batch, like):
        zeros = np.zeros((batch, self.hidden_size))
        return zeros, zeros.copy()

    def forward(self, x, state):
        h, c = state
        h_new = self.inner(x, h)
        return h_new, c + h_new

    def backward(self, grad_state):
        grad_h, grad_c = grad_state
        # c_t = c_{t-1} + h_t: dh_t gets dc_t too; dc_{t-1} = dc_t.
        grad_x, grad_h_prev = self.inner.backward(grad_h + grad_c)
        return grad_x, (grad_h_prev, grad_c)


def make(path, rng, **options):
    if path == "fast":
        return RNN(3, 4, dtype=F64, rng=rng, **options)
    if path == "general":
        return RNN(cell=StepCell(3, 4, dtype=F64, rng=rng), **options)
    return RNN(cell=PairCell(3, 4, rng), **options)


def fresh_copy(layer):
    """The same layer type and weights, zero grads, nothing pending."""
    if isinstance(layer.cell, PairCell):
        other = RNN(cell=PairCell(3, 4, np.random.default_rng(0)))
    else:
        other = RNN(cell=type(layer.cell)(3, 4, nonlinearity=layer.cell.nonlinearity, dtype=F64))
    other.return_sequences = layer.return_sequences
    other.load_state_dict(layer.state_dict())
    return other


def out_part(state):
    return state if isinstance(state, np.ndarray) else state[0]


def slice_state(state, b):
    if isinstance(state, np.ndarray):
        return state[b : b + 1]
    return tuple(part[b : b + 1] for part in state)


def assert_close(a, b, msg=""):
    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=msg)


PATHS = ["fast", "general", "tuple-state"]


@pytest.mark.parametrize(
    "path, nonlinearity",
    [("fast", "tanh"), ("fast", "relu"), ("general", "tanh"), ("general", "relu")]
    + [("tuple-state", "tanh")],
)
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
def test_padded_batch_equals_each_sequence_alone(
    rng, path, nonlinearity, return_sequences, with_h0
):
    options = {"return_sequences": return_sequences}
    layer = make(path, rng, **options)
    if path != "tuple-state":
        layer.cell.nonlinearity = nonlinearity
    batch, steps = len(LENGTHS), int(LENGTHS.max()) + 1  # one step of padding even for the longest
    x = rng.standard_normal((batch, steps, 3))
    x[np.arange(steps)[None, :] >= LENGTHS[:, None]] = np.nan  # padding must never be read
    h0 = None
    if with_h0:
        h0 = rng.standard_normal((batch, 4))
        if path == "tuple-state":
            h0 = (h0, rng.standard_normal((batch, 4)))
    y = layer(x, h0, lengths=LENGTHS)
    upstream = rng.standard_normal(y.shape)
    dx = layer.backward(upstream)
    grads = {name: p.grad.copy() for name, p in layer.named_parameters()}
    total = {name: np.zeros_like(g) for name, g in grads.items()}
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))

    for b, length in enumerate(LENGTHS):
        alone = fresh_copy(layer)
        y_b = alone(x[b : b + 1, :length], None if h0 is None else slice_state(h0, b))
        up_b = upstream[b : b + 1, :length] if return_sequences else upstream[b : b + 1]
        dx_b = alone.backward(up_b)
        if return_sequences:
            assert_close(y[b, :length], y_b[0], "outputs")
            assert np.all(y[b, length:] == 0), "outputs at padded steps are zero"
        else:
            assert_close(y[b], y_b[0], "many-to-one output")
        for got, want in zip(_parts(layer.h_n), _parts(alone.h_n), strict=True):
            assert_close(got[b], want[0], "h_n")
        assert_close(dx[b, :length], dx_b[0], "dx")
        assert np.all(dx[b, length:] == 0), "padded steps receive no gradient"
        for got, want in zip(_parts(layer.grad_h0), _parts(alone.grad_h0), strict=True):
            assert_close(got[b], want[0], "dh0")
        for name, p in alone.named_parameters():
            total[name] += p.grad
    for name in grads:
        assert_close(grads[name], total[name], name)


def _parts(state):
    return (state,) if isinstance(state, np.ndarray) else state


@pytest.mark.parametrize("return_sequences", [True, False])
def test_fast_and_general_paths_agree_with_lengths(rng, return_sequences):
    options = {"return_sequences": return_sequences}
    fast, general = make("fast", rng, **options), make("general", rng, **options)
    general.load_state_dict(fast.state_dict())
    x, h0 = rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 4))
    upstream = rng.standard_normal((4, 6, 4) if return_sequences else (4, 4))
    results = []
    for layer in (fast, general):
        y = layer(x, h0, lengths=LENGTHS)
        dx = layer.backward(upstream)
        results.append([y, layer.h_n, dx, layer.grad_h0] + [p.grad for p in layer.parameters()])
    for a, b in zip(*results, strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck_with_lengths(rng, path, return_sequences):
    layer = make(path, rng, return_sequences=return_sequences)
    x = rng.standard_normal((3, 4, 3))
    h0 = rng.standard_normal((3, 4))
    if path == "tuple-state":
        h0 = (h0, rng.standard_normal((3, 4)))
    report = tinyrnn.gradcheck(layer, x, h0, np.array([4, 1, 2]))
    assert report.max_error < 1e-7


def test_full_lengths_change_nothing(rng):
    layer = make("fast", rng)
    x = rng.standard_normal((2, 3, 3))
    np.testing.assert_array_equal(layer(x, lengths=[3, 3]), layer(x))
    layer.backward(np.ones((2, 3, 4)))
    layer.backward(np.ones((2, 3, 4)))  # both forwards were cached


@pytest.mark.parametrize("path", ["fast", "general"])
def test_many_to_one_returns_each_samples_last_valid_state(rng, path):
    seq = make(path, rng)
    last = RNN(cell=seq.cell, return_sequences=False)
    x = rng.standard_normal((4, 5, 3))
    y = seq(x, lengths=LENGTHS)
    expected = y[np.arange(4), LENGTHS - 1]
    assert_close(last(x, lengths=LENGTHS), expected)
    assert_close(last.h_n, expected)
    assert_close(seq.h_n, expected)


def test_stateful_carries_each_samples_last_valid_state(rng):
    rnn = make("fast", rng, stateful=True)
    x = rng.standard_normal((4, 5, 3))
    rnn(x, lengths=LENGTHS)
    carried = rnn.h_n.copy()
    second = rng.standard_normal((4, 2, 3))
    assert_close(rnn(second), fresh_copy(rnn)(second, carried))


@pytest.mark.parametrize(
    "lengths, error, match",
    [
        ([2, 2, 2], ValueError, r"RNN: expected lengths of shape \(batch,\) = \(2,\), got \(3,\)"),
        ([[2], [2]], ValueError, r"shape \(batch,\) = \(2,\), got \(2, 1\)"),
        ([0, 2], ValueError, r"lie in \[1, time\] = \[1, 3\], got values from 0 to 2"),
        ([4, 2], ValueError, r"lie in \[1, time\] = \[1, 3\], got values from 2 to 4"),
        ([-1, 2], ValueError, r"lie in \[1, time\]"),
        ([2.0, 3.0], TypeError, r"RNN: lengths must be an integer array, got dtype float64"),
        ([True, True], TypeError, r"integer array, got dtype bool"),
        ("ab", TypeError, r"integer array"),
    ],
)
def test_bad_lengths_give_clear_errors(rng, lengths, error, match):
    for path in ("fast", "general"):
        with pytest.raises(error, match=match):
            make(path, rng)(rng.standard_normal((2, 3, 3)), lengths=lengths)


def test_matches_torch_packed_sequence(rng):
    torch = pytest.importorskip("torch")
    layer = make("fast", rng)
    x, h0 = rng.standard_normal((4, 5, 3)), rng.standard_normal((4, 4))
    upstream = rng.standard_normal((4, 5, 4))
    y = layer(x, h0, lengths=LENGTHS)
    dx = layer.backward(upstream)

    ref = torch.nn.RNN(3, 4, batch_first=True).double()
    with torch.no_grad():
        for name, value in layer.cell.state_dict().items():
            getattr(ref, f"{name}_l0").copy_(torch.from_numpy(value))
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.tensor(LENGTHS), batch_first=True, enforce_sorted=False
    )
    out, h_n = ref(packed, h0t)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)
    (out * torch.from_numpy(upstream)).sum().backward()
    tol = 1e-10
    np.testing.assert_allclose(y, out.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.h_n, h_n[0].detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.grad_h0, h0t.grad[0].numpy(), rtol=tol, atol=tol)
    for name, p in layer.cell.named_parameters():
        want = getattr(ref, f"{name}_l0").grad.numpy()
        np.testing.assert_allclose(p.grad, want, rtol=tol, atol=tol, err_msg=name)


def test_lstm_takes_the_general_path_with_lengths(rng):
    lstm_class = getattr(tinyrnn, "LSTM", None)
    if lstm_class is None:
        pytest.skip("tinyrnn.LSTM is not available")
    lstm = lstm_class(3, 4, dtype=F64, rng=rng)
    x = rng.standard_normal((4, 5, 3))
    y = lstm(x, lengths=LENGTHS)
    for b, length in enumerate(LENGTHS):
        alone = lstm(x[b : b + 1, :length])
        assert_close(y[b, :length], alone[0])
        assert_close(lstm.h_n[1][0], lstm.h_n[1][0])
    lstm.clear_saved()
    report = tinyrnn.gradcheck(lstm, x[:3, :4], None, np.array([4, 1, 2]))
    assert report.max_error < 1e-7
