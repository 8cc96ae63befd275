"""LuongAttention and BahdanauAttention: gradients, masks, PyTorch parity, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn import BahdanauAttention, LuongAttention, gradcheck

F64 = np.float64


def make(kind, rng, dtype=F64):
    """(layer, query_size, key_size) for each kind of attention under test."""
    if kind == "dot":
        return LuongAttention(4, dtype=dtype), 4, 4
    if kind == "general":
        return LuongAttention(4, 3, "general", dtype=dtype, rng=rng), 4, 3
    return BahdanauAttention(4, 3, 5, dtype=dtype, rng=rng), 4, 3


KINDS = ["dot", "general", "additive"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("query_steps", [None, 3])
@pytest.mark.parametrize("lengths", [None, [5, 2, 1]])
def test_gradcheck(kind, query_steps, lengths, rng, record_max):
    layer, q, k = make(kind, rng)
    shape = (3, q) if query_steps is None else (3, query_steps, q)
    lengths = None if lengths is None else np.array(lengths)
    report = gradcheck(layer, rng.standard_normal(shape), rng.standard_normal((3, 5, k)), lengths)
    record_max("attention gradcheck max abs error", report.max_error)
    assert {"input 0", "input 1"} <= set(report.errors)
    assert len(report.errors) == 2 + len(list(layer.parameters()))


@pytest.mark.parametrize("kind", KINDS)
def test_padded_keys_get_weight_zero_and_no_gradient(kind, rng):
    layer, q, k = make(kind, rng)
    keys = rng.standard_normal((2, 4, k))
    keys[0, 2:] = np.nan  # padding may hold anything; it is never read
    lengths = np.array([2, 4])
    context, weights = layer(rng.standard_normal((2, 3, q)), keys, lengths)
    assert np.all(weights[0, :, 2:] == 0) and np.all(weights[1] > 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(np.isfinite(context))
    grad_query, grad_keys = layer.backward(np.ones_like(context), np.ones_like(weights))
    assert np.all(grad_keys[0, 2:] == 0) and np.all(np.isfinite(grad_query))
    # The same as attending over the first two keys only.
    short, _ = layer(np.ones((1, 3, q)), keys[:1, :2])
    padded, _ = layer(np.ones((1, 3, q)), keys[:1], np.array([2]))
    np.testing.assert_allclose(padded, short, rtol=1e-12)


def test_dot_scores_by_hand(rng):
    query, keys = rng.standard_normal((2, 4)), rng.standard_normal((2, 3, 4))
    context, weights = LuongAttention(4, dtype=F64)(query, keys)
    for b in range(2):
        scores = [float(query[b] @ keys[b, j]) for j in range(3)]
        expected = np.exp(scores) / np.sum(np.exp(scores))
        np.testing.assert_allclose(weights[b], expected, rtol=1e-12)
        np.testing.assert_allclose(context[b], expected @ keys[b], rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_query_without_time_axis_is_one_query_step(kind, rng):
    layer, q, k = make(kind, rng)
    query, keys = rng.standard_normal((3, q)), rng.standard_normal((3, 5, k))
    context, weights = layer(query, keys)
    context3, weights3 = layer(query[:, None], keys)
    np.testing.assert_array_equal(context, context3[:, 0])
    np.testing.assert_array_equal(weights, weights3[:, 0])
    grad_c, grad_w = rng.standard_normal(context.shape), rng.standard_normal(weights.shape)
    grads3 = layer.backward(grad_c[:, None], grad_w[:, None])
    grads = layer.backward((grad_c, grad_w))  # the pair as one tuple, as gradcheck passes it
    np.testing.assert_allclose(grads[0], grads3[0][:, 0], rtol=1e-12)
    np.testing.assert_allclose(grads[1], grads3[1], rtol=1e-12)


def test_backward_without_a_weights_gradient_and_without_input_grad(rng):
    layer, q, k = make("general", rng)
    query, keys = rng.standard_normal((2, 3, q)), rng.standard_normal((2, 4, k))
    context, weights = layer(query, keys)
    grad_c = rng.standard_normal(context.shape)
    full = layer.backward(grad_c, np.zeros_like(weights))
    layer(query, keys)
    only_context = layer.backward(grad_c)
    np.testing.assert_array_equal(full[1], only_context[1])
    layer.needs_input_grad = False
    layer(query, keys)
    grad_query, grad_keys = layer.backward(grad_c)
    assert grad_query is None
    np.testing.assert_array_equal(grad_keys, full[1])


def test_dtype_follows_the_layer(rng):
    layer = BahdanauAttention(2, 2, 3, dtype=np.float32, rng=rng)
    context, weights = layer(np.ones((1, 2)), np.ones((1, 3, 2), dtype=F64))
    assert context.dtype == weights.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.backward(np.ones((1, 2))))


def test_bad_input_names_the_layer_and_shapes(rng):
    layer = LuongAttention(4, 3, "general", rng=rng)
    keys = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"LuongAttention: expected query of shape .*\(2, 3\)"):
        layer(np.zeros((2, 3)), keys)
    with pytest.raises(ValueError, match=r"LuongAttention: expected keys of shape .*\(2, 5, 4\)"):
        layer(np.zeros((2, 4)), np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"differ in batch size.*\(3, 4\).*\(2, 5, 3\)"):
        layer(np.zeros((3, 4)), keys)
    with pytest.raises(ValueError, match=r"LuongAttention: every key of sample 1 is masked"):
        layer(np.zeros((2, 4)), keys, np.array([3, 0]))
    with pytest.raises(ValueError, match=r"LuongAttention: every length must lie in \[1, time\]"):
        layer(np.zeros((2, 4)), keys, np.array([6, 1]))
    with pytest.raises(TypeError, match=r"LuongAttention: lengths must be an integer array"):
        layer(np.zeros((2, 4)), keys, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"LuongAttention: empty input"):
        layer(np.zeros((2, 4)), np.zeros((2, 0, 3)))
    with pytest.raises(TypeError, match=r"LuongAttention: expected a float or integer query"):
        layer(np.array([["a"] * 4] * 2), keys)
    layer(np.zeros((2, 4)), keys)
    with pytest.raises(ValueError, match=r"LuongAttention \(context\).*\(2, 3\).*got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"score='dot' needs key_size == query_size"):
        LuongAttention(4, 3)
    with pytest.raises(ValueError, match=r"score must be one of"):
        LuongAttention(4, score="concat")
    with pytest.raises(ValueError, match=r"BahdanauAttention: .* must be >= 1, got 4, 3 and 0"):
        BahdanauAttention(4, 3, 0)
    with pytest.raises(RuntimeError, match="no pending forward"):
        BahdanauAttention(1, 1, 1).backward(np.zeros((1, 1)))


def test_parameters_and_state_dict_names(rng):
    assert list(LuongAttention(3).state_dict()) == []
    assert list(LuongAttention(3, 2, "general").state_dict()) == ["weight"]
    names = list(BahdanauAttention(3, 2, 4).state_dict())
    assert names == ["weight_query", "weight_key", "bias", "weight_score"]
    assert "score='general'" in repr(tinyrnn.LuongAttention(3, 2, "general"))


# ---------------------------------------------------------------- PyTorch parity (float64)
TOL = 1e-10


def torch_attention(torch, kind, layer, query, keys, lengths):
    """The same attention composed from torch ops."""
    if kind == "additive":
        hidden = torch.tanh(
            (query @ layer["weight_query"].T)[:, :, None, :]
            + (keys @ layer["weight_key"].T + layer["bias"])[:, None, :, :]
        )
        scores = hidden @ layer["weight_score"]
    else:
        projected = query if kind == "dot" else query @ layer["weight"].T
        scores = projected @ keys.transpose(1, 2)
    mask = torch.arange(keys.shape[1])[None, :] < lengths[:, None]
    scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ keys, weights


@pytest.mark.parametrize("kind", KINDS)
def test_torch_parity(kind, rng, record_max):
    torch = pytest.importorskip("torch")
    layer, q, k = make(kind, rng)
    query, keys = rng.standard_normal((3, 2, q)), rng.standard_normal((3, 6, k))
    lengths = np.array([6, 3, 1])
    grad_c, grad_w = rng.standard_normal((3, 2, k)), rng.standard_normal((3, 2, 6))
    context, weights = layer(query, keys, lengths)
    grad_query, grad_keys = layer.backward(grad_c, grad_w)

    params = {
        name: torch.tensor(p.data, requires_grad=True) for name, p in layer.named_parameters()
    }
    tq, tk = (torch.tensor(a, requires_grad=True) for a in (query, keys))
    t_context, t_weights = torch_attention(torch, kind, params, tq, tk, torch.tensor(lengths))
    ((t_context * torch.tensor(grad_c)).sum() + (t_weights * torch.tensor(grad_w)).sum()).backward()

    pairs = [("context", context, t_context), ("weights", weights, t_weights),
             ("grad query", grad_query, tq.grad), ("grad keys", grad_keys, tk.grad)]  # fmt: skip
    pairs += [(f"grad {n}", p.grad, params[n].grad) for n, p in layer.named_parameters()]
    for name, ours, theirs in pairs:
        error = float(np.max(np.abs(ours - theirs.detach().numpy())))
        record_max("attention torch parity max abs error", error)
        assert error <= TOL, f"{kind} {name}: max abs error {error:.3g}"


@pytest.mark.parametrize("cls", [LuongAttention, BahdanauAttention], ids=lambda c: c.__name__)
def test_docstring_starts_with_the_constructor_call(cls):
    import inspect

    first_paragraph = (inspect.getdoc(cls) or "").split("\n\n")[0]
    assert first_paragraph.startswith(f"`{cls.__name__}(")
    assert all(name in first_paragraph for name in inspect.signature(cls).parameters)
