"""Embedding: a lookup table of learned vectors, indexed by integer ids (tokens, characters)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._config import resolve_dtype, resolve_rng
from .._validation import check_grad
from ..module import Module
from ..parameter import Parameter


def embedding_grad_add(
    grad_weight: np.ndarray, indices: np.ndarray, grad_output: np.ndarray
) -> None:
    """grad_weight[i] += sum of grad_output over every position holding index i (in place).

    grad_weight: (num, dim), indices: (...) integers, grad_output: (..., dim).
    """
    # A row used several times receives the sum of its gradients. Reduce over the distinct rows
    # only: number them 0..k-1 (np.unique), then one bincount over (row, column) pairs adds
    # every gradient entry into its slot. Measured 1.3x-4x faster than np.add.at, and, unlike
    # a bincount over the whole table, its cost does not grow with the vocabulary size.
    dim = grad_weight.shape[1]
    rows, inverse = np.unique(indices.reshape(-1), return_inverse=True)
    slots = (inverse.reshape(-1, 1) * dim + np.arange(dim)).reshape(-1)
    sums = np.bincount(slots, weights=grad_output.reshape(-1), minlength=rows.size * dim)
    grad_weight[rows] += sums.reshape(rows.size, dim)


class Embedding(Module):
    """`Embedding(num_embeddings, embedding_dim, *, dtype=None, rng=None)`: a table of
    `num_embeddings` learned vectors; call it with integer indices.

    indices: integer array (...) -> vectors (..., embedding_dim); `weight` (num, dim) ~ N(0, 1).

    The input is a set of indices, not a differentiable quantity: `backward` adds into
    `weight.grad` (rows used several times accumulate) and returns None.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        *,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if num_embeddings < 1 or embedding_dim < 1:
            raise ValueError(
                f"Embedding: num_embeddings and embedding_dim must be >= 1, "
                f"got {num_embeddings} and {embedding_dim}"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        dtype, rng = resolve_dtype(dtype, "Embedding"), resolve_rng(rng, "Embedding")
        # PyTorch's init: every entry standard normal.
        self.weight = Parameter(rng.standard_normal((num_embeddings, embedding_dim)), dtype)

    def _checked_indices(self, indices: Any) -> np.ndarray:
        array = indices if isinstance(indices, np.ndarray) else np.asarray(indices)
        # Booleans are not ids, and floats would silently truncate: integers only.
        if array.dtype.kind not in "iu":
            raise TypeError(
                f"Embedding: expected integer indices of shape (...), got dtype {array.dtype} "
                f"({type(indices).__name__})"
            )
        if array.size and (array.min() < 0 or array.max() >= self.num_embeddings):
            bad = array[(array < 0) | (array >= self.num_embeddings)]
            raise ValueError(
                f"Embedding: indices must be in [0, {self.num_embeddings - 1}] "
                f"(num_embeddings={self.num_embeddings}), got {bad.reshape(-1)[0]} "
                f"in an input of shape {array.shape}"
            )
        return array

    def forward(self, indices: Any) -> np.ndarray:
        """indices: integers (...) -> (..., embedding_dim); caches the indices."""
        indices = self._checked_indices(indices)
        self.save_for_backward(indices)
        return self.weight.data[indices]  # fancy indexing: a fresh array, not a view

    def backward(self, grad_output: np.ndarray) -> None:
        """dL/dy: (..., embedding_dim) -> None (indices have no gradient); adds into weight.grad."""
        indices = self.pop_saved()
        grad_output = check_grad(grad_output, indices.shape + (self.embedding_dim,), "Embedding")
        # y[...] = W[indices[...]]  =>  dW[i] = sum of dy over the positions where indices == i.
        embedding_grad_add(self.weight.grad, indices, grad_output)
        return None

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
