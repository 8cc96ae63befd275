"""The training loop: `fit`, `evaluate`, and the `History` they record."""

from .fit import NonFiniteLossError, evaluate, fit, reset_states
from .history import History

__all__ = ["History", "NonFiniteLossError", "evaluate", "fit", "reset_states"]
