"""Embedding: lookup, gradient scatter (repeated rows accumulate), checks, PyTorch parity."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn.layers.embedding import Embedding, embedding_grad_add


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), ()])
def test_forward_is_row_lookup(shape, rng):
    layer = Embedding(6, 4, dtype=np.float64, rng=rng)
    indices = rng.integers(0, 6, size=shape)
    out = layer(indices)
    assert out.shape == shape + (4,)
    for position in np.ndindex(*shape):
        np.testing.assert_array_equal(out[position], layer.weight.data[indices[position]])


def test_init_is_standard_normal_and_follows_dtype():
    layer = Embedding(400, 50, dtype=np.float32, rng=np.random.default_rng(0))
    assert layer.weight.shape == (400, 50) and layer.weight.dtype == np.float32
    assert abs(layer.weight.data.mean()) < 0.02 and abs(layer.weight.data.std() - 1) < 0.02


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_accumulates_repeated_indices(dtype, rng):
    layer = Embedding(5, 3, dtype=dtype, rng=rng)
    indices = np.array([[1, 3, 1], [1, 0, 3]])
    grad_output = rng.standard_normal((2, 3, 3)).astype(dtype)
    layer(indices)
    assert layer.backward(grad_output) is None  # no gradient w.r.t. integer indices
    # Expected, written independently: a loop over every position.
    expected = np.zeros((5, 3))
    for position in np.ndindex(2, 3):
        expected[indices[position]] += grad_output[position]
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(layer.weight.grad, expected, atol=tol)
    assert layer.weight.grad.dtype == dtype
    layer(indices)
    layer.backward(grad_output)  # gradients add up over backward calls
    np.testing.assert_allclose(layer.weight.grad, 2 * expected, atol=2 * tol)


def test_grad_add_matches_np_add_at_on_large_input(rng):
    grad = rng.standard_normal((1000, 8))
    indices = rng.integers(0, 1000, size=(64, 30))
    grad_output = rng.standard_normal((64, 30, 8))
    expected = grad.copy()
    np.add.at(expected, indices.reshape(-1), grad_output.reshape(-1, 8))
    embedding_grad_add(grad, indices, grad_output)
    np.testing.assert_allclose(grad, expected, atol=1e-12)


@pytest.mark.parametrize("shape", [(4,), (2, 6), (2, 2, 3)])
def test_gradcheck_weight(shape, rng):
    layer = Embedding(4, 3, dtype=np.float64, rng=rng)
    indices = rng.integers(0, 4, size=shape)
    indices.reshape(-1)[:2] = 2  # at least one repeated row
    report = tinyrnn.gradcheck(layer, indices)
    assert set(report.errors) == {"param weight"}


def test_gradcheck_in_a_model(float64, rng):
    model = tinyrnn.Sequential(Embedding(5, 3, rng=rng), tinyrnn.RNN(3, 4, rng=rng))
    tinyrnn.gradcheck(model, np.array([[0, 4, 4, 1], [2, 2, 3, 0]]))


@pytest.mark.parametrize("bad", [np.array([0.0, 1.0]), np.array([True, False]), ["a", "b"]])
def test_non_integer_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"Embedding: expected integer indices"):
        Embedding(3, 2)(bad)


@pytest.mark.parametrize("bad", [np.array([0, 3]), np.array([[-1, 0]]), [5]])
def test_out_of_range_is_a_value_error(bad):
    with pytest.raises(ValueError, match=r"Embedding: indices must be in \[0, 2\]"):
        Embedding(3, 2)(bad)


def test_bad_grad_shape_and_constructor_args():
    layer = Embedding(3, 2)
    layer(np.array([0, 1]))
    with pytest.raises(ValueError, match=r"Embedding.backward: expected grad_output of shape"):
        layer.backward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Embedding"):
        Embedding(0, 2)
    with pytest.raises(RuntimeError, match="no pending forward"):
        Embedding(3, 2).backward(np.zeros((1, 2)))


def test_matches_torch(rng, record_max):
    torch = pytest.importorskip("torch")
    layer = Embedding(7, 5, dtype=np.float64, rng=rng)
    reference = torch.nn.Embedding(7, 5, dtype=torch.float64)
    reference.weight.data = torch.from_numpy(layer.weight.data.copy())
    indices = rng.integers(0, 7, size=(4, 6))
    grad_output = rng.standard_normal((4, 6, 5))
    out = layer(indices)
    layer.backward(grad_output)
    expected = reference(torch.from_numpy(indices))
    expected.backward(torch.from_numpy(grad_output))
    error = max(
        np.abs(out - expected.detach().numpy()).max(),
        np.abs(layer.weight.grad - reference.weight.grad.numpy()).max(),
    )
    record_max("Embedding vs torch", error)
    assert error < 1e-12
