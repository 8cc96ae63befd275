"""sample() and rollout(): determinism, temperature, incremental decoding, model left untouched."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn import RNN, Linear, Module, Sequential
from tinyrnn.data import CharVocab
from tinyrnn.functional import one_hot
from tinyrnn.sampling import evaluating, rollout, sample

VOCAB = CharVocab("abcdef ")


def char_model(seed: int = 0, hidden: int = 12, return_sequences: bool = True) -> Sequential:
    rng = np.random.default_rng(seed)
    size = len(VOCAB)
    return Sequential(
        RNN(size, hidden, return_sequences=return_sequences, dtype=np.float64, rng=rng),
        Linear(hidden, size, dtype=np.float64, rng=rng),
    )


def stacked_model(seed: int = 1) -> Sequential:
    rng = np.random.default_rng(seed)
    size = len(VOCAB)
    return Sequential(
        RNN(size, 8, dtype=np.float64, rng=rng),
        RNN(8, 8, dtype=np.float64, rng=rng),
        Linear(8, size, dtype=np.float64, rng=rng),
    )


def test_sample_reproducible_with_seeded_generator():
    model = char_model()
    text = sample(model, VOCAB, "abc", 100, rng=np.random.default_rng(3))
    assert text == sample(model, VOCAB, "abc", 100, rng=np.random.default_rng(3))
    assert text.startswith("abc") and len(text) == 103 and set(text) <= set(VOCAB.chars)
    assert text != sample(model, VOCAB, "abc", 100, rng=np.random.default_rng(4))
    assert sample(model, VOCAB, "ab", 0) == "ab"


@pytest.mark.parametrize("make_model", [char_model, stacked_model, lambda: char_model(2, 6, False)])
def test_incremental_decoding_equals_full_rerun(make_model):
    # Carrying the state step by step must give exactly what re-running the whole text gives.
    model = make_model()
    fast = sample(model, VOCAB, "fed cab", 150, rng=np.random.default_rng(9))
    slow = sample(model, VOCAB, "fed cab", 150, rng=np.random.default_rng(9), incremental=False)
    assert fast == slow


def optional_layer(name: str):
    layer = getattr(tinyrnn.layers, name, None)
    if layer is None:
        try:
            module = __import__(f"tinyrnn.layers.{name.lower()}", fromlist=[name])
            layer = getattr(module, name)
        except (ImportError, AttributeError):
            pytest.skip(f"tinyrnn has no {name} layer yet")
    return layer


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_incremental_decoding_with_gated_layers(name):
    layer = optional_layer(name)
    rng = np.random.default_rng(4)
    model = Sequential(
        layer(len(VOCAB), 8, dtype=np.float64, rng=rng),
        Linear(8, len(VOCAB), dtype=np.float64, rng=rng),
    )
    model[0].stateful = True
    model(np.zeros((3, 2, len(VOCAB))))
    before = snapshot(model)
    fast = sample(model, VOCAB, "cab", 60, rng=np.random.default_rng(2))
    assert_same_snapshot(before, snapshot(model))
    slow = sample(model, VOCAB, "cab", 60, rng=np.random.default_rng(2), incremental=False)
    assert fast == slow


def test_embedding_model_takes_indices():
    embedding = optional_layer("Embedding")
    rng = np.random.default_rng(6)
    model = Sequential(
        embedding(len(VOCAB), 5, dtype=np.float64, rng=rng),
        RNN(5, 8, dtype=np.float64, rng=rng),
        Linear(8, len(VOCAB), dtype=np.float64, rng=rng),
    )
    fast = sample(model, VOCAB, "dab", 50, rng=np.random.default_rng(0), one_hot=False)
    slow = sample(
        model, VOCAB, "dab", 50, rng=np.random.default_rng(0), one_hot=False, incremental=False
    )
    assert fast == slow and len(fast) == 53


def test_non_causal_models_are_rerun_in_full():
    bidirectional = optional_layer("Bidirectional")
    rng = np.random.default_rng(8)
    model = Sequential(
        bidirectional(RNN(len(VOCAB), 6, dtype=np.float64, rng=rng)),
        Linear(12, len(VOCAB), dtype=np.float64, rng=rng),
    )
    expected = full_rerun_reference(model, "ace", 30, np.random.default_rng(1))
    model(np.zeros((2, 3, len(VOCAB))))
    before = snapshot(model)
    # The backward direction sees the whole text: only a full re-run is right.
    auto = sample(model, VOCAB, "ace", 30, rng=np.random.default_rng(1))
    assert auto == expected
    assert auto == sample(model, VOCAB, "ace", 30, rng=np.random.default_rng(1), incremental=False)
    with pytest.raises(ValueError, match="causal"):
        sample(model, VOCAB, "ace", 3, incremental=True)
    assert_same_snapshot(before, snapshot(model))  # including Bidirectional's own h_n


def full_rerun_reference(model: Module, prime: str, length: int, rng) -> str:
    """Sampling at temperature 1 by re-running the model on the whole text, written plainly."""
    text = prime
    with tinyrnn.no_grad():
        for _ in range(length):
            logits = model(one_hot(VOCAB.encode(text)[None], len(VOCAB), np.float64))[0, -1]
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            text += VOCAB.chars[int(np.searchsorted(np.cumsum(probs), rng.random(), "right"))]
    return text


def greedy_reference(model: Module, prime: str, length: int) -> str:
    text = prime
    with tinyrnn.no_grad():
        for _ in range(length):
            logits = model(one_hot(VOCAB.encode(text)[None], len(VOCAB), np.float64))
            last = logits[0, -1] if logits.ndim == 3 else logits[0]
            text += VOCAB.chars[int(np.argmax(last))]
    return text


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_very_low_temperature_is_argmax(seed):
    model = char_model(seed)
    for layer in (model[0].cell.weight_ih, model[0].cell.weight_hh):
        layer.data *= 3.0  # a livelier model, so the greedy text is not one repeated character
    expected = greedy_reference(model, "bad", 40)
    for rng_seed in range(3):
        got = sample(model, VOCAB, "bad", 40, temperature=1e-8, rng=np.random.default_rng(rng_seed))
        assert got == expected


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_temperature_scales_the_distribution(temperature):
    # Linear with zero weights outputs its bias: fixed logits, whatever the history.
    model = char_model()
    logits = np.array([2.0, 1.0, 0.0, -1.0, 0.5, 1.5, -2.0])
    model[1].weight.data[...] = 0.0
    model[1].bias.data[...] = logits
    count = 3000
    text = sample(model, VOCAB, "a", count, temperature=temperature, rng=np.random.default_rng(0))
    frequencies = np.bincount(VOCAB.encode(text[1:]), minlength=len(VOCAB)) / count
    expected = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
    sigma = np.sqrt(expected * (1 - expected) / count)
    assert np.all(np.abs(frequencies - expected) < 5 * sigma + 1e-3)


def test_model_without_recurrent_layer_uses_full_rerun():
    class NextLetter(Module):
        """Logits strongly favouring the character after the last one (cyclically)."""

        def forward(self, x):
            return 20.0 * np.roll(x, 1, axis=-1)

    text = sample(NextLetter(), VOCAB, "ab", 8, temperature=0.01, rng=np.random.default_rng(0))
    assert text == "abcdef abc"
    with pytest.raises(ValueError, match="incremental=True needs"):
        sample(NextLetter(), VOCAB, "ab", 3, incremental=True)


def snapshot(model: Module):
    return [
        (m.training, m.pending_backwards, getattr(m, "stateful", None), getattr(m, "h_n", None))
        for m in model.modules()
    ]


def assert_same_snapshot(before, after):
    for (train_a, saved_a, flag_a, h_a), (train_b, saved_b, flag_b, h_b) in zip(
        before, after, strict=True
    ):
        assert (train_a, saved_a, flag_a) == (train_b, saved_b, flag_b)
        assert h_a is h_b


@pytest.mark.parametrize("generate", ["sample", "rollout"])
def test_model_left_as_it_was(generate):
    model = stacked_model()
    model[0].stateful = True  # a stateful layer mid-TBPTT, with a carried state of batch 4
    model[1].eval()  # mixed training flags are restored one by one
    x = np.random.default_rng(0).normal(size=(4, 5, len(VOCAB)))
    grad = np.random.default_rng(1).normal(size=(4, 5, len(VOCAB)))
    model(x)  # a pending training forward, its backward still to come
    before = snapshot(model)
    assert before[1][2:] == (True, model[0].h_n) and before[1][1] == 1
    if generate == "sample":
        sample(model, VOCAB, "abc", 30, rng=np.random.default_rng(0))
    else:
        rollout(model, np.zeros((3, len(VOCAB))), 4)
    assert_same_snapshot(before, snapshot(model))
    # The pending backward sees its own forward, as if nothing had happened in between.
    model.backward(grad)
    grads = [p.grad.copy() for p in model.parameters()]
    reference = stacked_model()
    reference[0].stateful = True
    reference.zero_grad()
    reference(x)
    reference.backward(grad)
    for got, want in zip(grads, (p.grad for p in reference.parameters()), strict=True):
        np.testing.assert_array_equal(got, want)


def test_evaluating_restores_after_error():
    model = Sequential(char_model(), Linear(len(VOCAB), len(VOCAB), dtype=np.float64))
    model.train()
    for _ in range(2):
        sample(model, VOCAB, "abc", 20)
    assert all(m.pending_backwards == 0 for m in model.modules())
    wrong = Sequential(char_model(), Linear(len(VOCAB), 3, dtype=np.float64))
    before = snapshot(wrong)
    with pytest.raises(
        ValueError, match=r"logits of shape \(1, time, 7\) or \(1, 7\), got \(1, 3, 3\)"
    ):
        sample(wrong, VOCAB, "abc", 5)
    assert_same_snapshot(before, snapshot(wrong))
    with evaluating(wrong, stateful=True):
        assert not wrong.training and wrong[0][0].stateful and not tinyrnn.is_grad_enabled()
    assert wrong.training and not wrong[0][0].stateful and tinyrnn.is_grad_enabled()


def test_sample_errors():
    model = char_model()
    with pytest.raises(ValueError, match=r"not in the vocabulary: \['x', 'z'\]"):
        sample(model, VOCAB, "zax", 5)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="temperature must be > 0"):
            sample(model, VOCAB, "a", 5, temperature=bad)
    with pytest.raises(ValueError, match="non-empty"):
        sample(model, VOCAB, "", 5)
    with pytest.raises(ValueError, match="length must be an integer >= 0"):
        sample(model, VOCAB, "a", -1)
    with pytest.raises(TypeError, match="CharVocab"):
        sample(model, "abc", "a", 5)
    with pytest.raises(TypeError, match="Module"):
        sample(lambda x: x, VOCAB, "a", 5)


class PlusOne(Module):
    """The next vector is the last one plus 1: (1, window, f) -> (1, f)."""

    def forward(self, x):
        return x[:, -1] + 1.0


class Fibonacci(Module):
    """The next value is the sum of the last two: (1, window, 1) -> (1, window, 1) sequence."""

    def forward(self, x):
        shifted = np.concatenate([np.zeros_like(x[:, :1]), x[:, :-1]], axis=1)
        return x + shifted


def test_rollout_of_exact_functions():
    start = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0]])
    expected = start[-1] + np.arange(1, 6)[:, None]
    np.testing.assert_array_equal(rollout(PlusOne(), start, 5), expected)
    # A sequence output: its last step is the prediction; the window keeps sliding.
    fib = rollout(Fibonacci(), [1.0, 1.0], 8)
    np.testing.assert_array_equal(fib, [2, 3, 5, 8, 13, 21, 34, 55])
    assert rollout(PlusOne(), start, 0).shape == (0, 2)


def test_rollout_feeds_fixed_windows():
    seen = []

    class Recorder(PlusOne):
        def forward(self, x):
            seen.append(x.copy())
            return super().forward(x)

    rollout(Recorder(), np.arange(4.0)[:, None], 3)
    assert [w[0, :, 0].tolist() for w in seen] == [[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5]]


def test_rollout_rnn_matches_fresh_state_windows():
    rng = np.random.default_rng(5)
    model = Sequential(
        RNN(2, 6, return_sequences=False, stateful=True, dtype=np.float64, rng=rng),
        Linear(6, 2, dtype=np.float64, rng=rng),
    )
    start = rng.normal(size=(4, 2))
    got = rollout(model, start, 6)
    window, expected = start, []
    with tinyrnn.no_grad():
        for _ in range(6):
            model[0].reset_state()
            expected.append(model(window[None])[0])
            window = np.concatenate([window[1:], expected[-1][None]])
    np.testing.assert_allclose(got, np.array(expected), rtol=0, atol=1e-14)
    assert got.dtype == np.float64


def test_rollout_errors():
    with pytest.raises(
        ValueError, match=r"\(1, 3\) or \(1, time, 3\), got output shape \(1, 4, 2\)"
    ):
        rollout(Sequential(Linear(3, 2)), np.zeros((4, 3)), 2)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        rollout(PlusOne(), np.zeros((2, 2)), -1)
    with pytest.raises(ValueError, match=r"\(window, features\) or \(window,\)"):
        rollout(PlusOne(), np.zeros((1, 2, 2)), 1)
    with pytest.raises(ValueError, match=r"\(window, features\)"):
        rollout(PlusOne(), np.zeros((0, 2)), 1)
    with pytest.raises(TypeError, match="float or integer"):
        rollout(PlusOne(), np.array([["a"]]), 1)


def test_causal_false_marker_disables_incremental_decoding():
    class Lookahead(Module):
        causal = False  # pretends its output at t depends on later steps

        def forward(self, x):
            return x

    model = Sequential(char_model(), Lookahead())
    with pytest.raises(ValueError, match="causal"):
        sample(model, VOCAB, "ab", 3, incremental=True)
    assert sample(model, VOCAB, "ab", 20, rng=np.random.default_rng(0)) == sample(
        model, VOCAB, "ab", 20, rng=np.random.default_rng(0), incremental=False
    )
