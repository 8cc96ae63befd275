"""sample: generate text from a character-level model, one character at a time."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional as F
from .._config import resolve_rng
from ..data.vocab import CharVocab
from ..module import Module
from .evaluating import evaluating, is_recurrent, model_dtype


def sample(
    model: Module,
    vocab: CharVocab,
    prime: str,
    length: int = 200,
    temperature: float = 1.0,
    rng: np.random.Generator | None = None,
    *,
    incremental: bool | None = None,
) -> str:
    """-> `prime` followed by `length` characters drawn from softmax(logits / temperature).

    The model maps one-hot characters `(1, time, len(vocab))` to next-character logits
    `(1, time, len(vocab))` (only the last step is used) or `(1, len(vocab))`, e.g.
    `Sequential(RNN(V, H), Linear(H, V))`. Lower temperatures make the text more
    predictable (temperature -> 0 is greedy argmax), higher ones more random. Draws come
    from `rng` (`None`: the library's default generator), so a seeded Generator repeats.

    Incremental decoding (the default when the model has recurrent layers): the prime is fed
    once, then each new character alone, the recurrent layers carrying their state from call
    to call (they are switched to `stateful=True` for the duration), so generating n characters
    costs n steps instead of n^2/2. `incremental=False` re-runs the whole text for every
    character instead (for models whose output at t is not a function of a carried state).
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
    has_recurrent = isinstance(model, Module) and any(map(is_recurrent, model.modules()))
    if incremental is None:
        incremental = has_recurrent
    elif incremental and not has_recurrent:
        raise ValueError("sample: incremental=True needs a model with a stateful recurrent layer")

    size = len(vocab)
    history = list(vocab.encode(prime))
    generated: list[int] = []
    with evaluating(model, stateful=incremental):
        dtype = model_dtype(model)
        logits = _last_logits(model(F.one_hot(np.array([history]), size, dtype)), size)
        for step in range(length):
            index = _draw(logits, float(temperature), rng)
            generated.append(index)
            if step == length - 1:
                break  # the logits after the last character would never be used
            history.append(index)
            context = [history[-1:]] if incremental else [history]
            logits = _last_logits(model(F.one_hot(np.array(context), size, dtype)), size)
    return prime + vocab.decode(np.array(generated, dtype=np.int64))


def _last_logits(output: np.ndarray, size: int) -> np.ndarray:
    """The model's output for the last time step, checked: (1, time, V) or (1, V) -> (V,)."""
    shape = getattr(output, "shape", None)
    if shape is None or len(shape) not in (2, 3) or shape[0] != 1 or shape[-1] != size:
        raise ValueError(
            f"sample: the model must map (1, time, {size}) one-hot input to logits of shape "
            f"(1, time, {size}) or (1, {size}), got {shape}"
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
    cumulative = np.cumsum(F.softmax(scaled))
    # side="right": the first class whose cumulative probability exceeds u, which never picks a
    # class of probability 0.
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return min(index, len(cumulative) - 1)
