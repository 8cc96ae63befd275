"""pad_sequence / unpad_sequence: a list of unequal sequences <-> one padded array (+ lengths)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def pad_sequence(
    sequences: Sequence[Any], batch_first: bool = True, padding_value: float = 0.0
) -> np.ndarray:
    """B arrays (L_i, *) -> (B, max L_i, *) (batch_first) or (max L_i, B, *), padded at the end.

    As `torch.nn.utils.rnn.pad_sequence` (whose `batch_first` defaults to False): the trailing
    axes must agree; the result has the sequences' common dtype (`np.result_type`).
    """
    arrays = [np.asarray(sequence) for sequence in sequences]
    if not arrays:
        raise ValueError("pad_sequence: expected at least one sequence, got none")
    if any(array.ndim == 0 for array in arrays):
        raise ValueError("pad_sequence: every sequence needs a time axis (got a scalar)")
    trailing = {array.shape[1:] for array in arrays}
    if len(trailing) > 1:
        raise ValueError(
            "pad_sequence: every sequence must have the same trailing shape (after time), got "
            + ", ".join(str(array.shape) for array in arrays)
        )
    longest = max(len(array) for array in arrays)
    dtype = np.result_type(*arrays)
    padded = np.full((len(arrays), longest) + arrays[0].shape[1:], padding_value, dtype=dtype)
    for row, array in zip(padded, arrays, strict=True):
        row[: len(array)] = array
    return padded if batch_first else np.ascontiguousarray(padded.swapaxes(0, 1))


def unpad_sequence(padded: Any, lengths: Any, batch_first: bool = True) -> list[np.ndarray]:
    """(B, T, *) (batch_first) or (T, B, *), lengths (B,) -> B arrays (lengths[b], *), copies.

    As `torch.nn.utils.rnn.unpad_sequence` (whose `batch_first` defaults to False).
    """
    padded = np.asarray(padded)
    if padded.ndim < 2:
        raise ValueError(f"unpad_sequence: expected at least 2 axes, got shape {padded.shape}")
    rows = padded if batch_first else padded.swapaxes(0, 1)
    lengths = np.asarray(lengths)
    if lengths.dtype.kind not in "iu":
        raise TypeError(f"unpad_sequence: lengths must be integers, got dtype {lengths.dtype}")
    if lengths.shape != (rows.shape[0],):
        raise ValueError(
            f"unpad_sequence: expected lengths of shape (batch,) = ({rows.shape[0]},), got "
            f"{lengths.shape}"
        )
    if lengths.size and (lengths.min() < 0 or lengths.max() > rows.shape[1]):
        raise ValueError(
            f"unpad_sequence: every length must lie in [0, time] = [0, {rows.shape[1]}], got "
            f"values from {lengths.min()} to {lengths.max()}"
        )
    return [row[:length].copy() for row, length in zip(rows, lengths, strict=True)]
