"""History: what `fit` measured, one entry per epoch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class History:
    """`History(loss=[], val_loss=[], lr=[], stopped_early=False, best_epoch=None)`: what `fit`
    returns (`History()` is an empty one; pass it to `fit(history=...)` to continue).

    Per-epoch training loss, validation loss (if any) and learning rate.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    stopped_early: bool = False
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """The number of epochs trained so far."""
        return len(self.loss)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (stored in checkpoints so a resumed run keeps its history)."""
        return {
            "loss": list(self.loss),
            "val_loss": list(self.val_loss),
            "lr": list(self.lr),
            "stopped_early": self.stopped_early,
            "best_epoch": self.best_epoch,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Rebuild from `to_dict()` output."""
        return cls(
            loss=[float(v) for v in data.get("loss", [])],
            val_loss=[float(v) for v in data.get("val_loss", [])],
            lr=[float(v) for v in data.get("lr", [])],
            stopped_early=bool(data.get("stopped_early", False)),
            best_epoch=data.get("best_epoch"),
        )
