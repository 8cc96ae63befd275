"""Datasets and batching: aligned arrays, mini-batches, time-series windows, text, generators.

- `ArrayDataset(*arrays)` and `DataLoader(dataset, batch_size, shuffle, drop_last, rng)`:
  PyTorch-style mini-batches of aligned arrays.
- `sliding_windows(series, window, horizon, stride)`: a time series as (input, target) pairs.
- `CharVocab`, `TextDataset`, `text_chunks`: character-level text, in order for truncated BPTT.
- `sine_wave`, `adding_problem`, `toy_sequences`: synthetic data to try models on.
"""

from .dataset import ArrayDataset
from .generators import adding_problem, sine_wave
from .loader import DataLoader
from .text import TextDataset, text_chunks
from .toy import toy_continuation, toy_sequences
from .vocab import CharVocab
from .windows import sliding_windows

__all__ = [
    "ArrayDataset",
    "CharVocab",
    "DataLoader",
    "TextDataset",
    "adding_problem",
    "sine_wave",
    "sliding_windows",
    "text_chunks",
    "toy_continuation",
    "toy_sequences",
]
