"""Determinism: the same seed gives bit-identical weights after training, and nothing in tinyrnn
reads or advances NumPy's global random state (np.random.seed / np.random.rand & co.)."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn import GRU, LSTM, CrossEntropyLoss, Dropout, Embedding, Linear, MSELoss, Sequential
from tinyrnn.data import (
    ArrayDataset,
    CharVocab,
    DataLoader,
    TextDataset,
    adding_problem,
    sine_wave,
    sliding_windows,
)
from tinyrnn.layers import stacked
from tinyrnn.training import fit

TEXT = "the quick brown fox jumps over the lazy dog; " * 8


@pytest.fixture(autouse=True)
def keep_generators():
    """tinyrnn.seed() replaces the library's default generator and these tests seed NumPy's
    global one: give other tests both back as they were."""
    saved, state = tinyrnn.default_rng().bit_generator.state, np.random.get_state()  # noqa: NPY002
    yield
    tinyrnn.default_rng().bit_generator.state = saved  # the same stream, wherever it had got to
    np.random.set_state(state)  # noqa: NPY002


def train_regression(seed, explicit):
    """A shuffled, dropout-regularised LSTM/GRU stack trained with fit; -> its state_dict.

    explicit=False draws everything from the library's default generator (tinyrnn.seed);
    explicit=True passes one np.random.Generator to every consumer instead.
    """
    if explicit:
        rng = np.random.default_rng(seed)
    else:
        tinyrnn.seed(seed)
        rng = None
    x, y = adding_problem(64, 6, rng=rng)
    loader = DataLoader(ArrayDataset(x, y), batch_size=16, shuffle=True, rng=rng)
    body = stacked(LSTM, 2, 8, 2, dropout=0.3, rng=rng)
    model = Sequential(*body, GRU(8, 5, return_sequences=False, rng=rng), Dropout(0.2, rng=rng))
    model.append(Linear(5, 1, rng=rng))
    optimizer = tinyrnn.Adam(model.parameters(), lr=0.01)
    fit(model, MSELoss(), optimizer, loader, epochs=3, clip_grad_norm=1.0, log=lambda _: None)
    return model.state_dict()


def train_text_and_sample(seed):
    """A char model on TextDataset, then sample() and rollout(); -> (weights, text, forecast)."""
    tinyrnn.seed(seed)
    dataset = TextDataset(TEXT, batch_size=4, seq_len=8)
    vocab = dataset.vocab
    model = Sequential(Embedding(len(vocab), 6), GRU(6, 12), Dropout(0.1), Linear(12, len(vocab)))
    fit(
        model,
        CrossEntropyLoss(),
        tinyrnn.SGD(model.parameters(), 0.5),
        dataset,
        epochs=2,
        log=lambda _: None,
    )
    text = tinyrnn.sample(model, vocab, "the ", length=30, temperature=0.8, one_hot=False)
    series = sine_wave(60, period=12.0, noise=0.1)
    inputs, targets = sliding_windows(series[:, None], window=8)
    forecaster = Sequential(GRU(1, 6, return_sequences=False), Linear(6, 1))
    fit(
        forecaster,
        MSELoss(),
        tinyrnn.Adam(forecaster.parameters(), 0.01),
        DataLoader(ArrayDataset(inputs, targets[:, 0]), 8, shuffle=True),
        epochs=2,
        log=lambda _: None,
    )
    forecast = tinyrnn.rollout(forecaster, series[-8:, None], 5)
    return model.state_dict() | forecaster.state_dict(), text, forecast


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("explicit", [False, True])
def test_the_same_seed_gives_bit_identical_weights(explicit):
    first = train_regression(3, explicit)
    np.random.seed(12345)  # noqa: NPY002  (the global state differs between runs: irrelevant)
    np.random.standard_normal(7)  # noqa: NPY002
    second = train_regression(3, explicit)
    assert_same_weights(first, second)
    other = train_regression(4, explicit)  # not vacuous: another seed, other weights
    assert any(not np.array_equal(first[name], other[name]) for name in first)


def test_text_sampling_and_rollout_repeat_under_the_same_seed():
    weights, text, forecast = train_text_and_sample(7)
    np.random.seed(999)  # noqa: NPY002
    again = train_text_and_sample(7)
    assert_same_weights(weights, again[0])
    assert text == again[1] and len(text) == 34 and set(text) <= set(CharVocab(TEXT).chars)
    np.testing.assert_array_equal(forecast, again[2])


def global_state():
    name, keys, position, has_gauss, cached = np.random.get_state()  # noqa: NPY002
    return name, keys.copy(), position, has_gauss, cached


def test_training_and_sampling_never_touch_numpy_global_random_state():
    np.random.seed(2024)  # noqa: NPY002
    before = global_state()
    train_regression(5, explicit=False)
    train_regression(5, explicit=True)
    train_text_and_sample(5)
    after = global_state()
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])
