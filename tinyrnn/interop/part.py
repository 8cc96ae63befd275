"""Part: one torch module's worth of a tinyrnn model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Part:
    """One torch module's worth of a model: its type, constructor arguments and parameter names."""

    position: int  # index of its first layer in the Sequential: the default key prefix
    torch_type: str  # "RNN", "LSTM", "GRU", "Linear" or "Embedding"
    config: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # tinyrnn name -> torch name
    stop: int = 0  # one past the index of its last layer in the Sequential (Dropouts included)
    return_sequences: bool = True  # a recurrent part's last layer: all steps, or the last one
