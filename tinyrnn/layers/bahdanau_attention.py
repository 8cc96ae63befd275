"""BahdanauAttention: additive attention, score(q, k) = v . tanh(W_q q + W_k k + b)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from ..parameter import Parameter
from .attention import Attention


class BahdanauAttention(Attention):
    """`BahdanauAttention(query_size, key_size, attention_size, *, dtype=None, rng=None)`:
    Bahdanau's additive attention of a query (a decoder state) over keys (encoder outputs).

    s = v . tanh(q W_q^T + k W_k^T + b) with `weight_query` (attention, query), `weight_key`
    (attention, key), `bias` (attention,) and `weight_score` v (attention,), each uniform in
    +-1/sqrt(fan_in) (the bias as part of the key's projection). Called and differentiated as
    `LuongAttention`: `attn(query, keys, lengths=None)` -> (context, weights).
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        attention_size: int,
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if min(query_size, key_size, attention_size) < 1:
            raise ValueError(
                f"BahdanauAttention: query_size, key_size and attention_size must be >= 1, got "
                f"{query_size}, {key_size} and {attention_size}"
            )
        self.query_size, self.key_size = query_size, key_size
        self.attention_size = attention_size
        self.dtype = resolve_dtype(dtype, "BahdanauAttention")
        rng = resolve_rng(rng, "BahdanauAttention")

        def uniform(fan_in: int, shape: tuple[int, ...]) -> Parameter:
            bound = 1.0 / np.sqrt(fan_in)
            return Parameter(rng.uniform(-bound, bound, shape), self.dtype)

        self.weight_query = uniform(query_size, (attention_size, query_size))
        self.weight_key = uniform(key_size, (attention_size, key_size))
        self.bias = uniform(key_size, (attention_size,))
        self.weight_score = uniform(attention_size, (attention_size,))

    def compute_scores(self, query: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, Any]:
        """query (batch, tq, q), keys (batch, tk, k) -> scores (batch, tq, tk), cache."""
        size = self.attention_size
        # Project each query step and each key once (2-D GEMMs), then add every pair.
        query_part = (query.reshape(-1, self.query_size) @ self.weight_query.data.T).reshape(
            query.shape[:2] + (size,)
        )
        key_part = (keys.reshape(-1, self.key_size) @ self.weight_key.data.T).reshape(
            keys.shape[:2] + (size,)
        )
        key_part += self.bias.data
        hidden = np.tanh(query_part[:, :, None, :] + key_part[:, None, :, :])  # (b, tq, tk, a)
        return hidden @ self.weight_score.data, (query, hidden)

    def scores_backward(self, grad_scores: np.ndarray, keys: np.ndarray, cache: Any) -> Any:
        """dL/dscores (batch, tq, tk) -> (dL/dquery, dL/dkeys); adds the parameters' grads."""
        query, hidden = cache
        size = self.attention_size
        # s = h v  =>  dv = sum of ds h; dh = ds v; through tanh: dz = dh (1 - h^2).
        self.weight_score.grad += np.tensordot(grad_scores, hidden, axes=3)
        grad_pre = grad_scores[..., None] * self.weight_score.data * (1 - hidden * hidden)
        # z = qW_q^T[tq] + kW_k^T[tk] + b: each query step's gradient sums over the keys and
        # each key's over the query steps.
        grad_query_part = grad_pre.sum(axis=2).reshape(-1, size)
        grad_key_part = grad_pre.sum(axis=1).reshape(-1, size)
        self.weight_query.grad += grad_query_part.T @ query.reshape(-1, self.query_size)
        self.weight_key.grad += grad_key_part.T @ keys.reshape(-1, self.key_size)
        self.bias.grad += grad_key_part.sum(axis=0)
        grad_query = (grad_query_part @ self.weight_query.data).reshape(query.shape)
        grad_keys = (grad_key_part @ self.weight_key.data).reshape(keys.shape)
        return grad_query, grad_keys

    def extra_repr(self) -> str:
        return f"{self.query_size}, {self.key_size}, {self.attention_size}"
