"""GRU: an RNN whose cell is a GRUCell."""

from __future__ import annotations

from typing import Any

import numpy as np

from .gru_cell import GRUCell
from .rnn import RNN


class GRU(RNN):
    """GRU(input_size, hidden_size, *, bias=True, return_sequences=True, stateful=False,
    dtype=None, rng=None): an `RNN` whose cell is a `GRUCell`; everything else is RNN's.

    x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.
    The state is one (batch, hidden) array, as for `RNN`. Same results as
    `torch.nn.GRU(batch_first=True)`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        return_sequences: bool = True,
        stateful: bool = False,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        cell = GRUCell(input_size, hidden_size, bias, dtype=dtype, rng=rng)
        super().__init__(cell=cell, return_sequences=return_sequences, stateful=stateful)
