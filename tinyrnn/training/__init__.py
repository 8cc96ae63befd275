"""The training loop: `fit`, `evaluate`, the `History` they record, and fit's checkpoints."""

from .checkpointing import read_extra
from .early_stopping import EarlyStopping
from .epoch import NonFiniteLossError, evaluate, reset_states
from .fit import fit
from .history import History

__all__ = [
    "EarlyStopping",
    "History",
    "NonFiniteLossError",
    "evaluate",
    "fit",
    "read_extra",
    "reset_states",
]
