"""Checkpoint files: `save` and `load` (one .npz, written atomically, read defensively)."""

from .checkpoint import load, save

__all__ = ["load", "save"]
