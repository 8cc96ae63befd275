"""LuongAttention: multiplicative attention, score(q, k) = q . k or (q W^T) . k (Luong 2015)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from ..parameter import Parameter
from .attention import Attention

SCORES = ("dot", "general")


class LuongAttention(Attention):
    """`LuongAttention(query_size, key_size=None, score="dot", *, dtype=None, rng=None)`:
    Luong's multiplicative attention of a query (a decoder state) over keys (encoder outputs).

    score "dot": s = q . k (key_size must equal query_size; None means query_size);
    "general": s = (q W^T) . k with `weight` (key_size, query_size), U(+-1/sqrt(query_size)).
    `attn(query, keys, lengths=None)`: query (batch, q) or (batch, tq, q), keys (batch, tk, k),
    lengths (batch,) integers in [1, tk] (keys from a sample's length on are padding: weight 0)
    -> (context, weights): context (batch, [tq,] k) = weights @ keys, weights (batch, [tq,] tk)
    = softmax of the scores over the keys. `backward(grad_context, grad_weights=None)` ->
    (dL/dquery, dL/dkeys).
    """

    def __init__(
        self,
        query_size: int,
        key_size: int | None = None,
        score: str = "dot",
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        key_size = query_size if key_size is None else key_size
        if query_size < 1 or key_size < 1:
            raise ValueError(
                f"LuongAttention: query_size and key_size must be >= 1, got {query_size} and "
                f"{key_size}"
            )
        if score not in SCORES:
            raise ValueError(f"LuongAttention: score must be one of {SCORES}, got {score!r}")
        if score == "dot" and key_size != query_size:
            raise ValueError(
                f"LuongAttention: score='dot' needs key_size == query_size, got {key_size} and "
                f"{query_size} (score='general' learns a map between them)"
            )
        self.query_size, self.key_size, self.score = query_size, key_size, score
        self.dtype = resolve_dtype(dtype, "LuongAttention")
        self.weight: Parameter | None = None
        if score == "general":
            rng = resolve_rng(rng, "LuongAttention")
            bound = 1.0 / np.sqrt(query_size)  # as a Linear(query_size, key_size, bias=False)
            self.weight = Parameter(rng.uniform(-bound, bound, (key_size, query_size)), self.dtype)

    def compute_scores(self, query: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, Any]:
        """query (batch, tq, q), keys (batch, tk, k) -> scores (batch, tq, tk), cache."""
        projected = query
        if self.weight is not None:  # one 2-D GEMM over batch and time
            flat = query.reshape(-1, self.query_size) @ self.weight.data.T
            projected = flat.reshape(query.shape[:2] + (self.key_size,))
        return projected @ keys.transpose(0, 2, 1), (query, projected)

    def scores_backward(self, grad_scores: np.ndarray, keys: np.ndarray, cache: Any) -> Any:
        """dL/dscores (batch, tq, tk) -> (dL/dquery, dL/dkeys) through s = p k^T, p = q W^T."""
        query, projected = cache
        grad_keys = grad_scores.transpose(0, 2, 1) @ projected
        grad_projected = grad_scores @ keys
        if self.weight is None:
            return grad_projected, grad_keys
        grad_2d = grad_projected.reshape(-1, self.key_size)
        self.weight.grad += grad_2d.T @ query.reshape(-1, self.query_size)
        grad_query = (grad_2d @ self.weight.data).reshape(query.shape)
        return grad_query, grad_keys

    def extra_repr(self) -> str:
        return f"{self.query_size}, {self.key_size}, score={self.score!r}"
