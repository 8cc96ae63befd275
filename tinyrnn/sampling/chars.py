"""sample: generate text from a character-level model, one character at a time."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional as F
from .._config import resolve_rng
from ..data.vocab import CharVocab
from ..module import Module
from .evaluating import evaluating, is_causal, is_recurrent, model_dtype


def sample(
    model: Module,
    vocab: CharVocab,
    prime: str,
    length: int = 200,
    temperature: float = 1.0,
    rng: np.random.Generator | None = None,
    *,
    one_hot: bool = True,
    incremental: bool | None = None,
) -> str:
    """-> `prime` followed by `length` characters drawn from softmax(logits / temperature).

    The model maps one-hot characters `(1, time, len(vocab))` to next-character logits
    `(1, time, len(vocab))` (only the last step is used) or `(1, len(vocab))`, e.g.
    `Sequential(RNN(V, H), Linear(H, V))`; with `one_hot=False` it gets the integer indices
    `(1, time)` instead (a model that starts with an `Embedding`). Lower temperatures make the
    text more predictable (temperature -> 0 is greedy argmax), higher ones more random. Draws
    come from `rng` (`None`: the library's default generator), so a seeded Generator repeats.

    Incremental decoding, the default for a causal model with recurrent layers (one without
    `Bidirectional` or another layer marked `causal = False`): the prime is fed once, then
    each new character alone, the recurrent layers carrying their state from call to call
    (they are switched to `stateful=True` for the duration), so generating n characters costs
    n steps instead of n^2/2. `incremental=False` re-runs the whole text for every character.
    Runs inside `evaluating(model)`: no_grad, eval mode, and the model's flags, carried
    states and caches are restored afterwards.
    """
    if not isinstance(vocab, CharVocab):
        raise TypeError(f"sample: vocab must be a CharVocab, got {type(vocab).__name__}")
    if not isinstance(prime, str) or not prime:
        raise ValueError("sample: prime must be a non-empty str (the text to start from)")
    unknown = sorted(set(prime) - set(vocab.chars))
    if unknown:
        raise ValueError(f"sample: the prime has characters not in the vocabulary: {unknown!r}")
    if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 0:
        raise ValueError(f"sample: length must be an integer >= 0, got {length!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"sample: temperature must be a number, got {type(temperature).__name__}")
    if not temperature > 0:
        raise ValueError(f"sample: temperature must be > 0, got {temperature}")
    rng = resolve_rng(rng)
    if not isinstance(model, Module):
        raise TypeError(f"sample: expected a tinyrnn Module, got {type(model).__name__}")
    possible = any(map(is_recurrent, model.modules())) and is_causal(model)
    if incremental is None:
        incremental = possible
    elif incremental and not possible:
        raise ValueError(
            "sample: incremental=True needs a causal model (no Bidirectional) with a "
            "stateful recurrent layer"
        )

    size, dtype = len(vocab), model_dtype(model)

    def model_input(context: list[int]) -> np.ndarray:
        indices = np.array([context], dtype=np.int64)  # (1, time)
        return F.one_hot(indices, size, dtype) if one_hot else indices

    history = vocab.encode(prime).tolist()
    generated: list[int] = []
    with evaluating(model, stateful=incremental):
        logits = _last_logits(model(model_input(history)), size)
        for step in range(length):
            index = _draw(logits, float(temperature), rng)
            generated.append(index)
            if step == length - 1:
                break  # the logits after the last character would never be used
            history.append(index)
            context = history[-1:] if incremental else history
            logits = _last_logits(model(model_input(context)), size)
    return prime + vocab.decode(np.array(generated, dtype=np.int64))


def _last_logits(output: np.ndarray, size: int) -> np.ndarray:
    """The model's output for the last time step, checked: (1, time, V) or (1, V) -> (V,)."""
    shape = getattr(output, "shape", None)
    if shape is None or len(shape) not in (2, 3) or shape[0] != 1 or shape[-1] != size:
        raise ValueError(
            f"sample: the model must return next-character logits of shape (1, time, {size}) "
            f"or (1, {size}), got {shape}"
        )
    logits = output[0, -1] if len(shape) == 3 else output[0]
    if not np.all(np.isfinite(logits)):
        raise ValueError("sample: the model produced non-finite logits")
    return logits


def _draw(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One index drawn from softmax(logits / temperature) by inverting the cumulative sum."""
    # Shift first so the largest scaled logit is exactly 0: a tiny temperature then sends the
    # others to -inf (probability 0) instead of overflowing to inf - inf = nan.
    scaled = (logits.astype(np.float64) - np.max(logits)) / temperature
    # exp(scaled) is softmax(scaled) times a constant; drawing u times the total inverts the
    # cumulative sum without normalising it first.
    cumulative = np.cumsum(np.exp(scaled))
    # side="right": the first class whose cumulative weight exceeds u * total, which never picks
    # a class of probability 0.
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return min(index, len(cumulative) - 1)
