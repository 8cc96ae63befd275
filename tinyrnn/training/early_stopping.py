"""EarlyStopping: stop when the monitored loss stops improving, keeping the best weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..module import Module


class EarlyStopping:
    """`EarlyStopping(patience, min_delta=0.0, best=inf)`: what `fit(early_stopping_patience=...)`
    uses; call `should_stop(value, epoch, model)` once per epoch.

    Stop once more than `patience` epochs in a row have not beaten the best by `min_delta`.

    Patience counts as in PyTorch's ReduceLROnPlateau: `patience=2` tolerates two epochs
    without improvement and stops at the third; `patience=0` stops at the first.
    """

    def __init__(self, patience: int, min_delta: float = 0.0, best: float = np.inf) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.patience, self.min_delta, self.best = patience, min_delta, best
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.waited = 0

    def should_stop(self, value: float, epoch: int, model: Module) -> bool:
        """Record this epoch's value (keeping the best weights); True when patience ran out."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.waited = value, epoch, 0
            self.best_state = model.state_dict()
            return False
        self.waited += 1
        return self.waited > self.patience

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint needs to carry on exactly: best value/epoch/weights, epochs waited."""
        return {
            "best": float(self.best),
            "best_epoch": self.best_epoch,
            "waited": self.waited,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict()` output (patience and min_delta stay as constructed)."""
        self.best = float(state["best"])
        self.best_epoch = None if state["best_epoch"] is None else int(state["best_epoch"])
        self.waited = int(state["waited"])
        best_state = state["best_state"]
        self.best_state = None if best_state is None else dict(best_state)
