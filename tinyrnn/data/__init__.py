"""Datasets and batching utilities."""

from .toy import toy_continuation, toy_sequences

__all__ = ["toy_continuation", "toy_sequences"]
