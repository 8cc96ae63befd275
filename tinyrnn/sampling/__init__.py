"""Generating from trained models: text from a character model, series from a regression model.

- `sample(model, vocab, prime, length, temperature, rng)`: character-level text.
- `rollout(model, start, steps)`: autoregressive multi-step prediction of a time series.
- `evaluating(model, stateful=None)`: the context both run in (no_grad, eval mode, and the
  model's flags, carried recurrent states and caches restored afterwards); useful for
  validation inside a training loop too.
"""

from .chars import sample
from .evaluating import evaluating, is_causal, is_recurrent
from .regression import rollout

__all__ = ["evaluating", "is_causal", "is_recurrent", "rollout", "sample"]
