"""tinyrnn.no_grad(): no caches, flat memory, no effect on a pending backward, per thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from memory_growth import measure

import tinyrnn
from tinyrnn import RNN, Linear, Sequential, Tanh

F64 = np.float64


def grads(module):
    return {name: p.grad.copy() for name, p in module.named_parameters()}


def assert_same(a, b, tol=1e-12):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def models(rng):
    rnn = RNN(3, 8, dtype=F64, rng=rng)
    seq = Sequential(RNN(3, 8, dtype=F64, rng=rng), Tanh(), Linear(8, 2, dtype=F64, rng=rng))
    return [rnn, seq]


@pytest.mark.parametrize("index", [0, 1])
def test_no_grad_keeps_no_caches_and_memory_flat(rng, record_max, index):
    model = models(rng)[index]
    x = rng.standard_normal((2, 4, 3))
    with tinyrnn.no_grad():
        growth = measure(lambda: model(x), warmup=1_000, interval=3_000).per_interval
    assert all(m.pending_backwards == 0 for m in model.modules())
    record_max("no_grad memory growth per 3,000 calls, smallest (bytes)", min(growth))
    # A leaked cache of this input alone would be ~3,000 x 200 bytes = 600 kB per interval; a
    # one-off (a JIT compiling the loop, a cache filling) grows one interval, not every one.
    assert min(growth) < 20_000, growth
    assert tinyrnn.is_grad_enabled()


@pytest.mark.parametrize("index", [0, 1])
def test_no_grad_calls_do_not_disturb_a_pending_backward(rng, index):
    model = models(rng)[index]
    x, other = rng.standard_normal((2, 4, 3)), rng.standard_normal((5, 7, 3))
    y = model(x)
    upstream = rng.standard_normal(y.shape)
    expected_dx = model.backward(upstream)
    expected = grads(model)
    model.zero_grad()

    model(x)
    with tinyrnn.no_grad():
        for _ in range(3):
            model(other)
    assert_same(model.backward(upstream), expected_dx, tol=0)
    for name, value in grads(model).items():
        assert_same(value, expected[name], tol=0)


def test_no_grad_nests_and_restores_after_an_exception():
    assert tinyrnn.is_grad_enabled()
    with pytest.raises(KeyError):
        with tinyrnn.no_grad():
            with tinyrnn.no_grad():
                assert not tinyrnn.is_grad_enabled()
            assert not tinyrnn.is_grad_enabled()
            raise KeyError("boom")
    assert tinyrnn.is_grad_enabled()


def test_no_grad_is_per_thread(rng):
    inside, release = threading.Event(), threading.Event()

    def validation():
        with tinyrnn.no_grad():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=validation)
    worker.start()
    try:
        assert inside.wait(10)
        layer = Linear(3, 2, dtype=F64, rng=rng)
        layer(rng.standard_normal((2, 3)))  # this thread still records its caches
        assert tinyrnn.is_grad_enabled() and layer.pending_backwards == 1
    finally:
        release.set()
        worker.join()
