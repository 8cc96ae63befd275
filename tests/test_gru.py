"""GRUCell and GRU: gradcheck, PyTorch parity, fast path == general path, state, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from step_cell import step_twin, uses_fused_kernels

import tinyrnn
from tinyrnn import GRU, RNN, GRUCell, Linear, Module, Sequential, gradcheck

F64 = np.float64
INPUT, HIDDEN = 3, 4


def checked(record_max, module, *inputs):
    """gradcheck in float64; records the largest error; returns the report."""
    report = gradcheck(module, *inputs)
    record_max("GRU gradcheck max abs error", report.max_error)
    return report


class CarriedState(Module):
    """Runs a stateful layer from a carried state given as input 1 (so gradcheck can vary it)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, state):
        self.layer.h_n = state
        return self.layer(x)

    def backward(self, grad_output):
        return self.layer.backward(grad_output)

    @property
    def grad_h0(self):
        return self.layer.grad_h0


# ------------------------------------------------------------------------- structure
@pytest.mark.parametrize("bias", [True, False])
def test_parameters_names_shapes_and_init(bias):
    cell = GRUCell(10, 25, bias=bias, rng=np.random.default_rng(0))
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] if bias else ["weight_ih", "weight_hh"]
    assert [name for name, _ in cell.named_parameters()] == names
    shapes = {"weight_ih": (75, 10), "weight_hh": (75, 25), "bias_ih": (75,), "bias_hh": (75,)}
    bound = 1 / np.sqrt(25)
    for name, param in cell.named_parameters():
        assert param.shape == shapes[name] and param.dtype == tinyrnn.get_default_dtype()
        # U(-1/sqrt(hidden), 1/sqrt(hidden)), as PyTorch: inside the bound, and filling it.
        assert np.abs(param.data).max() <= bound and np.abs(param.data).max() > 0.9 * bound
    layer = GRU(10, 25, bias=bias, dtype=F64, rng=np.random.default_rng(0))
    assert list(layer.state_dict()) == [f"cell.{name}" for name in names]
    for name, value in cell.state_dict().items():
        # The same draws from the same seed (the layer's are float64, the cell's the default).
        np.testing.assert_array_equal(layer.state_dict()[f"cell.{name}"].astype(value.dtype), value)
    assert layer.cell.weight_ih.dtype == F64 and (layer.input_size, layer.hidden_size) == (10, 25)


# ------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_gradcheck(record_max, rng, bias, batch, with_state):
    cell = GRUCell(INPUT, HIDDEN, bias=bias, dtype=F64, rng=rng)
    h_prev = rng.standard_normal((batch, HIDDEN)) if with_state else None
    report = checked(record_max, cell, rng.standard_normal((batch, INPUT)), h_prev)
    expected = {"input 0", *(f"param {name}" for name, _ in cell.named_parameters())}
    assert set(report.errors) == expected | ({"input 1"} if with_state else set())


@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
def test_layer_gradcheck(record_max, rng, path, steps, batch, return_sequences, with_h0):
    layer = GRU(INPUT, HIDDEN, return_sequences=return_sequences, dtype=F64, rng=rng)
    if path == "general":  # the same cell, run step by step through its forward/backward
        layer = RNN(cell=step_twin(layer.cell), return_sequences=return_sequences)
    assert uses_fused_kernels(layer) == (path == "fast")
    h0 = rng.standard_normal((batch, HIDDEN)) if with_h0 else None
    report = checked(record_max, layer, rng.standard_normal((batch, steps, INPUT)), h0)
    assert ("input 1" in report.errors) == with_h0


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_stateful_carry_gradcheck(record_max, rng, steps, return_sequences):
    layer = GRU(INPUT, HIDDEN, return_sequences=return_sequences, stateful=True, dtype=F64, rng=rng)
    x, carried = rng.standard_normal((2, steps, INPUT)), rng.standard_normal((2, HIDDEN))
    report = checked(record_max, CarriedState(layer), x, carried)
    assert "input 1" in report.errors


def test_in_sequential_with_linear_head(record_max, rng):
    model = Sequential(
        GRU(INPUT, HIDDEN, return_sequences=False, dtype=F64, rng=rng),
        Linear(HIDDEN, 2, dtype=F64, rng=rng),
    )
    checked(record_max, model, rng.standard_normal((2, 4, INPUT)))


# ------------------------------------------------------------------------- fast == general
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lengths", [None, [7, 2, 5]])
def test_fast_path_equals_general_path(record_max, rng, return_sequences, with_h0, bias, lengths):
    fast = GRU(INPUT, HIDDEN, bias=bias, return_sequences=return_sequences, dtype=F64, rng=rng)
    general = RNN(cell=step_twin(fast.cell), return_sequences=return_sequences)
    x = rng.standard_normal((3, 7, INPUT))
    h0 = rng.standard_normal((3, HIDDEN)) if with_h0 else None
    upstream = rng.standard_normal((3, 7, HIDDEN) if return_sequences else (3, HIDDEN))
    results = []
    for layer in (fast, general):
        layer.zero_grad()
        y = layer(x, h0, lengths=lengths)
        dx = layer.backward(upstream)
        grads = [param.grad.copy() for param in layer.parameters()]
        results.append([y, layer.h_n, dx, layer.grad_h0, *grads])
    for ours, theirs in zip(*results, strict=True):
        error = float(np.max(np.abs(ours - theirs)))
        record_max("GRU fast vs general max abs difference", error)
        assert error <= 1e-12


def test_a_subclassed_cell_takes_the_general_path(rng):
    class CountingCell(GRUCell):
        calls = 0

        def forward(self, x, h_prev=None):
            CountingCell.calls += 1
            return super().forward(x, h_prev)

    layer = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    twin = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    twin.cell = CountingCell(INPUT, HIDDEN, dtype=F64, rng=rng)
    twin.load_state_dict(layer.state_dict())
    assert uses_fused_kernels(layer) and not uses_fused_kernels(twin)
    x = rng.standard_normal((2, 5, INPUT))
    np.testing.assert_allclose(twin(x), layer(x), rtol=0, atol=1e-12)
    assert CountingCell.calls == 5


# ------------------------------------------------------------------------- PyTorch parity
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def same(torch, record_max):
    """same(name, ours, theirs): agreement to 1e-10, the largest difference recorded."""

    def compare(name, ours, theirs):
        theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
        assert np.shape(ours) == np.shape(theirs), name
        error = float(np.max(np.abs(ours - theirs), initial=0.0))
        record_max("GRU torch parity max abs error", error)
        assert error <= 1e-10, f"{name}: max abs error {error:.3g}"

    return compare


def copy_into_torch(torch, cell, theirs, suffix):
    """Copy our parameters into the torch module; the names must match one to one."""
    assert {name + suffix for name, _ in cell.named_parameters()} == {
        name for name, _ in theirs.named_parameters()
    }
    with torch.no_grad():
        for name, param in cell.named_parameters():
            getattr(theirs, name + suffix).copy_(torch.from_numpy(param.data))


def leaf(torch, array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("steps", [1, 6])
def test_layer_matches_torch(torch, same, rng, path, bias, with_h0, return_sequences, steps):
    batch = 3
    ours = GRU(INPUT, HIDDEN, bias=bias, return_sequences=return_sequences, dtype=F64, rng=rng)
    theirs = torch.nn.GRU(INPUT, HIDDEN, bias=bias, batch_first=True).double()
    copy_into_torch(torch, ours.cell, theirs, "_l0")
    if path == "general":
        ours = RNN(cell=step_twin(ours.cell), return_sequences=return_sequences)
    x = rng.standard_normal((batch, steps, INPUT))
    h0 = rng.standard_normal((batch, HIDDEN)) if with_h0 else None
    y = ours(x, h0)
    x_t = leaf(torch, x)
    h0_t = leaf(torch, h0[None]) if with_h0 else None
    out, h_n = theirs(x_t, h0_t)
    out = out if return_sequences else out[:, -1]
    same("output", y, out)
    same("h_n", ours.h_n, h_n[0])
    upstream = rng.standard_normal(y.shape)
    dx = ours.backward(upstream)
    (out * torch.from_numpy(upstream)).sum().backward()
    same("dx", dx, x_t.grad)
    if with_h0:
        same("dh0", ours.grad_h0, h0_t.grad[0])
    for name, param in ours.cell.named_parameters():
        same(f"grad {name}", param.grad, getattr(theirs, name + "_l0").grad)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_matches_torch(torch, same, rng, bias, with_state):
    ours = GRUCell(INPUT, HIDDEN, bias=bias, dtype=F64, rng=rng)
    theirs = torch.nn.GRUCell(INPUT, HIDDEN, bias=bias).double()
    copy_into_torch(torch, ours, theirs, "")
    x = rng.standard_normal((3, INPUT))
    h_prev = rng.standard_normal((3, HIDDEN)) if with_state else None
    h = ours(x, h_prev)
    x_t = leaf(torch, x)
    h_prev_t = leaf(torch, h_prev) if with_state else None
    h_t = theirs(x_t, h_prev_t)
    same("h", h, h_t)
    upstream = rng.standard_normal((3, HIDDEN))
    dx, dh_prev = ours.backward(upstream)
    (h_t * torch.from_numpy(upstream)).sum().backward()
    same("dx", dx, x_t.grad)
    if with_state:
        same("dh_prev", dh_prev, h_prev_t.grad)
    for name, param in ours.named_parameters():
        same(f"grad {name}", param.grad, getattr(theirs, name).grad)


# ------------------------------------------------------------------------- state
def test_state_is_one_array(rng):
    layer = GRU(INPUT, HIDDEN, return_sequences=False, dtype=F64, rng=rng)
    x = rng.standard_normal((2, 5, INPUT))
    y = layer(x)
    assert isinstance(layer.h_n, np.ndarray) and layer.h_n.shape == (2, HIDDEN)
    np.testing.assert_array_equal(y, layer.h_n)
    assert y is not layer.h_n
    layer.backward(np.ones((2, HIDDEN)))
    assert isinstance(layer.grad_h0, np.ndarray) and layer.grad_h0.shape == (2, HIDDEN)
    np.testing.assert_array_equal(layer(x, np.zeros((2, HIDDEN))), y)  # zeros == no h0


def test_stateful_carries_h(rng):
    whole = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    chunked = GRU(INPUT, HIDDEN, stateful=True, dtype=F64, rng=rng)
    chunked.load_state_dict(whole.state_dict())
    x, h0 = rng.standard_normal((2, 7, INPUT)), rng.standard_normal((2, HIDDEN))
    expected = whole(x, h0)
    first = chunked(x[:, :3], h0)
    second = chunked(x[:, 3:])  # starts from the carried h
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), expected, atol=1e-14)
    np.testing.assert_allclose(chunked.h_n, whole.h_n, atol=1e-14)
    chunked.reset_state()
    np.testing.assert_array_equal(chunked(x[:, 3:]), whole(x[:, 3:]))


def test_no_grad_keeps_no_cache(rng):
    layer = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    with tinyrnn.no_grad():
        layer(rng.standard_normal((2, 3, INPUT)))
    with pytest.raises(RuntimeError, match="no pending forward"):
        layer.backward(np.zeros((2, 3, HIDDEN)))


def test_float32_stays_float32(rng):
    layer = GRU(INPUT, HIDDEN, dtype=np.float32, rng=rng)
    y = layer(rng.standard_normal((2, 3, INPUT)), rng.standard_normal((2, HIDDEN)))
    dx = layer.backward(np.ones((2, 3, HIDDEN), dtype=np.float32))
    assert y.dtype == dx.dtype == layer.h_n.dtype == layer.grad_h0.dtype == np.float32
    assert all(param.grad.dtype == np.float32 for param in layer.parameters())


# ------------------------------------------------------------------------- bad input
def test_wrong_state_shapes_name_the_layer_and_shapes(rng):
    layer = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    x = rng.standard_normal((2, 3, INPUT))
    with pytest.raises(
        ValueError, match=r"GRU: expected hidden state of shape \(2, 4\), got \(2, 5\)"
    ):
        layer(x, np.zeros((2, 5)))
    with pytest.raises(
        ValueError, match=r"GRU: expected hidden state of shape \(2, 4\), got \(3, 4\)"
    ):
        layer(x, np.zeros((3, 4)))
    pair = (np.zeros((2, HIDDEN)), np.zeros((2, HIDDEN)))  # an LSTM-style (h, c)
    with pytest.raises(
        ValueError, match=r"GRU: expected hidden state of shape \(2, 4\), got \(2, 2, 4\)"
    ):
        layer(x, pair)
    with pytest.raises(
        ValueError, match=r"GRUCell: expected hidden state of shape \(2, 4\), got \(2, 5\)"
    ):
        layer.cell(x[:, 0], np.zeros((2, 5)))


def test_other_bad_input(rng):
    layer = GRU(INPUT, HIDDEN, stateful=True, dtype=F64, rng=rng)
    with pytest.raises(
        ValueError,
        match=r"GRU: expected input of shape \(batch, time, 3\) or, unbatched, .*, got \(2, 3, 5\)",
    ):
        layer(np.zeros((2, 3, 5)))
    layer(np.zeros((2, 3, INPUT)))
    with pytest.raises(ValueError, match="carried state has batch 2, the input has batch 4"):
        layer(np.zeros((4, 3, INPUT)))
    with pytest.raises(ValueError, match=r"expected grad_output of shape \(2, 3, 4\)"):
        layer.backward(np.zeros((2, 3, 5)))
    cell = GRUCell(INPUT, HIDDEN, dtype=F64, rng=rng)
    with pytest.raises(
        ValueError,
        match=r"GRUCell: expected input of shape \(batch, 3\) or, unbatched, \(3,\), got \(2, 5\)",
    ):
        cell(np.zeros((2, 5)))
    cell(np.zeros((2, INPUT)))
    with pytest.raises(
        ValueError, match=r"GRUCell.backward: expected grad_output of shape \(2, 4\)"
    ):
        cell.backward(np.zeros((3, HIDDEN)))
    with pytest.raises(ValueError, match="GRUCell: input_size and hidden_size must be >= 1"):
        GRUCell(INPUT, 0)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("steps", [1, 3])
def test_changing_the_output_in_place_leaves_the_gradients_alone(rng, batch, steps):
    layer = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    x, upstream = (
        rng.standard_normal((batch, steps, INPUT)),
        rng.standard_normal((batch, steps, HIDDEN)),
    )
    results = []
    for scribble in (False, True):
        layer.zero_grad()
        y = layer(x)
        if scribble:
            y[...] = 1e3  # the outputs are the caller's own array, not the cache
            layer.h_n[...] = 1e3
        dx = layer.backward(upstream)
        results.append([dx, *(param.grad.copy() for param in layer.parameters())])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------- variable lengths
@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
def test_lengths_match_torch_packed_sequences(torch, same, rng, path, return_sequences, with_h0):
    lengths, steps = np.array([4, 1, 6]), 6
    ours = GRU(INPUT, HIDDEN, return_sequences=return_sequences, dtype=F64, rng=rng)
    theirs = torch.nn.GRU(INPUT, HIDDEN, batch_first=True).double()
    copy_into_torch(torch, ours.cell, theirs, "_l0")
    if path == "general":
        ours = RNN(cell=step_twin(ours.cell), return_sequences=return_sequences)
    x = rng.standard_normal((3, steps, INPUT))
    h0 = rng.standard_normal((3, HIDDEN)) if with_h0 else None
    y = ours(x, h0, lengths=lengths)
    x_t = leaf(torch, x)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x_t, torch.from_numpy(lengths), batch_first=True, enforce_sorted=False
    )
    state_t = leaf(torch, h0[None]) if with_h0 else None
    out, h_n = theirs(packed, state_t)
    out = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=steps)[0]
    out = out if return_sequences else h_n[0]  # many-to-one: each sample's last valid h
    same("output", y, out)
    same("h_n", ours.h_n, h_n[0])
    upstream = rng.standard_normal(y.shape)
    dx = ours.backward(upstream)
    (out * torch.from_numpy(upstream)).sum().backward()
    same("dx", dx, x_t.grad)
    if with_h0:
        same("dh0", ours.grad_h0, state_t.grad[0])
    for name, param in ours.cell.named_parameters():
        same(f"grad {name}", param.grad, getattr(theirs, name + "_l0").grad)


@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_lengths_gradcheck(record_max, rng, path, return_sequences):
    layer = GRU(INPUT, HIDDEN, return_sequences=return_sequences, dtype=F64, rng=rng)
    if path == "general":
        layer = RNN(cell=step_twin(layer.cell), return_sequences=return_sequences)
    x, h0 = rng.standard_normal((3, 3, INPUT)), rng.standard_normal((3, HIDDEN))
    checked(record_max, layer, x, h0, np.array([3, 1, 2]))


@pytest.mark.parametrize("path", ["fast", "general"])
def test_lengths_padding_is_never_read(rng, path):
    layer = GRU(INPUT, HIDDEN, dtype=F64, rng=rng)
    if path == "general":
        layer = RNN(cell=step_twin(layer.cell))
    x, lengths = rng.standard_normal((2, 5, INPUT)), np.array([2, 5])
    upstream = rng.standard_normal((2, 5, HIDDEN))
    results = []
    for padding in (0.0, np.nan):
        x[0, 2:] = padding
        layer.zero_grad()
        y = layer(x, lengths=lengths)
        dx = layer.backward(upstream)
        results.append([y, layer.h_n, dx, *(param.grad.copy() for param in layer.parameters())])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
