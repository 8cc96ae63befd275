"""DataLoader: iterate over a dataset in (optionally shuffled) mini-batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._config import resolve_rng
from ._checks import check_int


class DataLoader:
    """Batches of a dataset: `for inputs, targets in DataLoader(dataset, batch_size=32): ...`

    `dataset` is an `ArrayDataset`, or any object with `len()` whose `dataset[indices]` takes an
    integer index array and returns a tuple of batched arrays. Each batch is then gathered with
    one fancy-indexing operation per array (a copy: changing a batch leaves the data alone).
    Batch shapes: every array's `(batch_size, ...)`; the last batch is smaller unless
    `drop_last`. With `shuffle=True`, every `iter()` (every epoch) draws a new permutation from
    `rng` (`None`: the library's default generator at that time, see `tinyrnn.seed`), so each
    sample appears exactly once per epoch and a seeded Generator repeats the order.
    `len(loader)` is the number of batches per epoch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: dataset must support len() and indexing (e.g. an ArrayDataset), "
                f"got {type(dataset).__name__}"
            )
        self.batch_size = check_int(batch_size, "batch_size", "DataLoader")
        num_samples = len(dataset)
        if num_samples == 0:
            raise ValueError("DataLoader: the dataset is empty")
        if drop_last and self.batch_size > num_samples:
            # PyTorch would silently yield nothing; an epoch without batches is always a bug.
            raise ValueError(
                f"DataLoader: drop_last=True with batch_size {self.batch_size} > "
                f"{num_samples} samples gives no batches"
            )
        resolve_rng(rng)  # type check now; resolved again per epoch so tinyrnn.seed() applies
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.rng = rng

    def __len__(self) -> int:
        full, remainder = divmod(len(self.dataset), self.batch_size)
        return full if self.drop_last or remainder == 0 else full + 1

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        num_samples = len(self.dataset)
        if self.shuffle:
            order = resolve_rng(self.rng).permutation(num_samples)
        else:
            order = np.arange(num_samples)
        for batch in range(len(self)):
            indices = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            yield self.dataset[indices]

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
