"""Attention: the shared part of Luong's and Bahdanau's layers (masking, softmax, context).

A subclass scores every (query step, key step) pair; this base turns the scores into weights
(a softmax over the keys, padded keys at exactly 0) and the context (the weighted sum of the
keys, which serve as the values too, as encoder outputs do in Luong's and Bahdanau's papers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .._validation import as_float_array, check_grad, checked_input
from ..module import Module
from .step_masks import valid_steps


def key_mask(lengths: Any, batch: int, steps: int, who: str) -> np.ndarray:
    """(batch, tk) bool, True at real keys, from `lengths` (batch,) integers in [1, tk]."""
    array = np.asarray(lengths)
    if array.dtype.kind in "iu" and array.shape == (batch,) and array.size and array.min() < 1:
        raise ValueError(
            f"{who}: every key of sample {int(np.argmin(array))} is masked (length "
            f"{array.min()}); a softmax over no keys is undefined: lengths must be >= 1"
        )
    return valid_steps(array, batch, steps, who).T  # the recurrent layers' check, (tk, batch)


class Attention(Module):
    """Base of the attention layers: a subclass defines `query_size`, `key_size`, `dtype`,
    `compute_scores(query, keys) -> (scores, cache)` and `scores_backward(grad_scores, keys,
    cache) -> (grad_query, grad_keys)` on query (batch, tq, q), keys (batch, tk, k)."""

    query_size: int
    key_size: int
    dtype: np.dtype[Any]

    def compute_scores(self, query: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, Any]:
        """query (batch, tq, q), keys (batch, tk, k) -> scores (batch, tq, tk), cache."""
        raise NotImplementedError(f"{type(self).__name__} does not define compute_scores()")

    def scores_backward(self, grad_scores: np.ndarray, keys: np.ndarray, cache: Any) -> Any:
        """dL/dscores (batch, tq, tk) -> (dL/dquery, dL/dkeys) of the scores alone."""
        raise NotImplementedError(f"{type(self).__name__} does not define scores_backward()")

    def forward(self, query: Any, keys: Any, lengths: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """query (batch, q) or (batch, tq, q), keys (batch, tk, k), lengths (batch,) or None
        -> context (batch, [tq,] k), weights (batch, [tq,] tk)."""
        name, size = type(self).__name__, self.query_size
        query = as_float_array(query, self.dtype, name, "query")
        if query.ndim not in (2, 3) or query.shape[-1] != size:
            raise ValueError(
                f"{name}: expected query of shape (batch, {size}) or (batch, tq, {size}), "
                f"got {query.shape}"
            )
        keys = checked_input(keys, self.dtype, ("batch", "tk", self.key_size), name, "keys")
        if keys.shape[0] != query.shape[0]:
            raise ValueError(
                f"{name}: query and keys differ in batch size: query {query.shape}, "
                f"keys {keys.shape}"
            )
        if keys.shape[0] == 0 or keys.shape[1] == 0 or query.shape[1] == 0:
            raise ValueError(f"{name}: empty input: query {query.shape}, keys {keys.shape}")
        unbatched_time = query.ndim == 2
        query_steps = query[:, None, :] if unbatched_time else query
        mask = None if lengths is None else key_mask(lengths, keys.shape[0], keys.shape[1], name)
        if mask is not None:
            keys = np.where(mask[:, :, None], keys, 0)  # padding is never read (it may be nan)
        scores, cache = self.compute_scores(query_steps, keys)
        if mask is not None:
            # exp(-inf) is exactly 0: a padded key gets weight 0 and, in backward, no gradient.
            scores = np.where(mask[:, None, :], scores, -np.inf)
        weights = F.softmax(scores, axis=-1)
        context = weights @ keys  # (batch, tq, tk) @ (batch, tk, k)
        self.save_for_backward((unbatched_time, keys, weights, cache))
        if unbatched_time:
            return context[:, 0], weights[:, 0]
        return context, weights

    def backward(
        self, grad_context: Any = None, grad_weights: Any = None
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dcontext and/or dL/dweights (each None or shaped like the forward's output; or
        the pair as one tuple) -> (dL/dquery, dL/dkeys); adds into the parameters' `.grad`s."""
        name = type(self).__name__
        if isinstance(grad_context, tuple) and grad_weights is None:
            if len(grad_context) != 2:
                raise TypeError(f"{name}.backward: expected (grad_context, grad_weights)")
            grad_context, grad_weights = grad_context
        unbatched_time, keys, weights, cache = self.pop_saved()
        lead = weights.shape[:1] if unbatched_time else weights.shape[:2]
        grad_c = np.zeros_like(keys, shape=weights.shape[:2] + keys.shape[2:])
        if grad_context is not None:
            grad = check_grad(grad_context, lead + keys.shape[2:], f"{name} (context)")
            grad_c[...] = grad.reshape(grad_c.shape)
        grad_w = np.zeros_like(weights)
        if grad_weights is not None:
            grad = check_grad(grad_weights, lead + weights.shape[2:], f"{name} (weights)")
            grad_w[...] = grad.reshape(grad_w.shape)
        # context = a k  =>  dk = a^T dc, da = dc k^T (plus what reached the weights directly).
        grad_keys = weights.transpose(0, 2, 1) @ grad_c
        grad_w += grad_c @ keys.transpose(0, 2, 1)
        # a = softmax(s): ds = a (da - sum(da a)); 0 at padded keys, whose a is exactly 0.
        grad_scores = F.grad_softmax(weights, grad_w, axis=-1)
        grad_query, grad_keys_scores = self.scores_backward(grad_scores, keys, cache)
        grad_keys += grad_keys_scores
        if not self.needs_input_grad:
            return None, grad_keys
        return (grad_query[:, 0] if unbatched_time else grad_query), grad_keys
