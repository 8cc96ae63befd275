"""LSTM and GRU: an RNN whose cell is an LSTMCell or a GRUCell (they differ in nothing else)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .cell import RecurrentCell
from .gru_cell import GRUCell
from .lstm_cell import LSTMCell, init_unit_forget_bias
from .rnn import RNN


class GatedRNN(RNN):
    """The constructor LSTM and GRU share: the cell is a `cell_type` (a class attribute)."""

    cell_type: type[RecurrentCell]

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        return_sequences: bool = True,
        stateful: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        cell = self.cell_type(input_size, hidden_size, bias, dtype=dtype, rng=rng)
        super().__init__(
            cell=cell,
            return_sequences=return_sequences,
            stateful=stateful,
            go_backwards=go_backwards,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            rng=rng,
        )


class LSTM(GatedRNN):
    """LSTM(input_size, hidden_size, *, bias=True, return_sequences=True, stateful=False,
    go_backwards=False, dropout=0.0, recurrent_dropout=0.0, unit_forget_bias=False,
    dtype=None, rng=None): an `RNN` whose cell is an `LSTMCell`; the rest is RNN's.
    `unit_forget_bias`: Keras' bias initialisation (forget gate 1, the rest 0; see
    `LSTMCell`).

    x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.
    The state is the pair (h, c), each (batch, hidden): `h0` is (h0, c0) or None (zeros),
    `h_n` is (h_n, c_n), `grad_h0` is (dL/dh0, dL/dc0), `backward`'s `grad_h_n` is
    (dL/dh_n, dL/dc_n) (either may be None). The outputs are the h_t. Same results as
    `torch.nn.LSTM(batch_first=True)`.
    """

    cell_type = LSTMCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        return_sequences: bool = True,
        stateful: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        unit_forget_bias: bool = False,
        dtype: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            input_size,
            hidden_size,
            bias=bias,
            return_sequences=return_sequences,
            stateful=stateful,
            go_backwards=go_backwards,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            dtype=dtype,
            rng=rng,
        )
        if unit_forget_bias:
            init_unit_forget_bias(self.cell, type(self).__name__)


class GRU(GatedRNN):
    """GRU(input_size, hidden_size, *, bias=True, return_sequences=True, stateful=False,
    go_backwards=False, dropout=0.0, recurrent_dropout=0.0, dtype=None, rng=None): an `RNN`
    whose cell is a `GRUCell`; the rest is RNN's.

    x: (batch, time, input) -> (batch, time, hidden), or (batch, hidden) for the last step.
    The state is one (batch, hidden) array, as for `RNN`. Same results as
    `torch.nn.GRU(batch_first=True)`.
    """

    cell_type = GRUCell
