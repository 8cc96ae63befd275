"""Memory layout never changes a result, and no layer writes into its inputs or gradients.

Every public layer and loss runs forward and backward on the same values held C-contiguous,
Fortran-ordered, as a strided view, as a reversed view and read-only; the outputs and
gradients must equal the C-contiguous ones bit for bit (see MATMUL_COPIES for the one
exception, on NumPy < 2.3), and the caller's arrays stay untouched.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    MSELoss,
    ReLU,
    RNNCell,
    Sigmoid,
    Softmax,
    Tanh,
)

F64 = np.float64

# NumPy >= 2.3 copies a non-contiguous operand of np.matmul into contiguous memory and calls
# BLAS; older NumPy multiplies it in its own loop, which sums the products in another order, so
# the result may differ in the last bits. There, strided and reversed inputs are held to a few
# units in the last place (ulp) of the array's largest magnitude instead of bit for bit.
MATMUL_COPIES = np.lib.NumpyVersion(np.__version__) >= "2.3.0"
EXACT_ON_EVERY_NUMPY = {"Fortran", "read-only"}


def assert_same(got, expected, kind, record_max):
    """Bit for bit, or within 4 ulp of the largest magnitude where NumPy cannot promise bits."""
    if MATMUL_COPIES or kind in EXACT_ON_EVERY_NUMPY or got is None:
        np.testing.assert_array_equal(got, expected)
        return
    ulp = np.spacing(np.abs(expected).max(initial=0.0))
    gap = np.abs(np.asarray(got) - expected).max(initial=0.0)
    record_max("non-contiguous input, NumPy < 2.3: largest difference (ulp)", gap / ulp)
    np.testing.assert_allclose(got, expected, rtol=0, atol=4 * ulp)


def layout(a, kind):
    """The values of `a` in another memory layout (a fresh array or view each call)."""
    if kind == "C":
        return np.ascontiguousarray(a)
    if kind == "Fortran":
        return np.asfortranarray(a)
    if kind == "strided":  # every other element of a twice-as-long array, on every axis
        big = np.zeros(tuple(2 * n for n in a.shape), a.dtype)
        big[tuple(slice(None, None, 2) for _ in a.shape)] = a
        return big[tuple(slice(None, None, 2) for _ in a.shape)]
    if kind == "reversed":  # negative strides on the first axis
        return np.ascontiguousarray(a[::-1])[::-1]
    readonly = a.copy()
    readonly.flags.writeable = False
    return readonly


def seeded(factory):
    return lambda: factory(np.random.default_rng(0))


LAYERS = {
    "Linear": (seeded(lambda r: Linear(3, 4, dtype=F64, rng=r)), (2, 5, 3)),
    "Tanh": (Tanh, (2, 5, 3)),
    "Sigmoid": (Sigmoid, (2, 5, 3)),
    "ReLU": (ReLU, (2, 5, 3)),
    "Softmax": (lambda: Softmax(axis=1), (2, 5, 3)),
    "Dropout": (lambda: Dropout(0.5, rng=np.random.default_rng(0)), (2, 5, 3)),
    "RNNCell": (seeded(lambda r: RNNCell(3, 4, dtype=F64, rng=r)), (2, 3)),
    "LSTMCell": (seeded(lambda r: LSTMCell(3, 4, dtype=F64, rng=r)), (2, 3)),
    "GRUCell": (seeded(lambda r: GRUCell(3, 4, dtype=F64, rng=r)), (2, 3)),
    "RNN": (seeded(lambda r: RNN(3, 4, dtype=F64, rng=r)), (2, 5, 3)),
    "LSTM": (seeded(lambda r: LSTM(3, 4, dtype=F64, rng=r)), (2, 5, 3)),
    "GRU": (seeded(lambda r: GRU(3, 4, dtype=F64, rng=r)), (2, 5, 3)),
    "Bidirectional": (seeded(lambda r: Bidirectional(LSTM(3, 4, dtype=F64, rng=r))), (2, 5, 3)),
}
KINDS = ["Fortran", "strided", "reversed", "read-only"]


def run(name, x, upstream):
    """Forward and backward of a fresh layer: every array the caller gets back."""
    make, _ = LAYERS[name]
    layer = make()
    y = layer(x)
    grad = upstream if not isinstance(y, tuple) else (upstream, None)
    dx = layer.backward(grad)
    return list(flat((y, dx))) + [p.grad for p in layer.parameters()]


def flat(value):
    """The arrays inside nested tuples (a cell returns (dx, dh) or (dx, (dh, dc)))."""
    if isinstance(value, tuple):
        for part in value:
            yield from flat(part)
    else:
        yield value


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(LAYERS))
def test_layout_does_not_change_results_and_inputs_stay_untouched(name, kind, record_max):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(LAYERS[name][1])
    with tinyrnn.no_grad():
        y = LAYERS[name][0]()(x)
    upstream = rng.standard_normal((y[0] if isinstance(y, tuple) else y).shape)
    expected = run(name, x.copy(), upstream.copy())
    x_other, upstream_other = layout(x, kind), layout(upstream, kind)
    got = run(name, x_other, upstream_other)
    for a, b in zip(got, expected, strict=True):
        assert_same(a, b, kind, record_max)
    np.testing.assert_array_equal(x_other, x)  # nothing written into the caller's arrays
    np.testing.assert_array_equal(upstream_other, upstream)


@pytest.mark.parametrize("kind", KINDS)
def test_embedding_and_losses_accept_any_layout(kind):
    rng = np.random.default_rng(2)
    indices = rng.integers(0, 5, (4, 6))
    embedding = Embedding(5, 3, dtype=F64, rng=rng)
    expected = embedding(indices)
    embedding.backward(np.ones_like(expected))
    grad = embedding.weight.grad.copy()
    embedding.zero_grad()
    np.testing.assert_array_equal(embedding(layout(indices, kind)), expected)
    embedding.backward(layout(np.ones_like(expected), kind))
    np.testing.assert_array_equal(embedding.weight.grad, grad)
    logits, target = rng.standard_normal((4, 6, 5)), rng.integers(0, 5, (4, 6))
    for loss_fn, pred, truth in [
        (MSELoss(), logits, rng.standard_normal((4, 6, 5))),
        (CrossEntropyLoss(), logits, target),
    ]:
        value, dpred = loss_fn(pred, truth), loss_fn.backward()
        pred_other, truth_other = layout(pred, kind), layout(truth, kind)
        assert loss_fn(pred_other, truth_other) == value
        np.testing.assert_array_equal(loss_fn.backward(), dpred)
        np.testing.assert_array_equal(pred_other, pred)
