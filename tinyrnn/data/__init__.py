"""Datasets and batching: aligned arrays, mini-batches, time-series windows, text, generators.

- `ArrayDataset(*arrays)` and `DataLoader(dataset, batch_size, shuffle, drop_last, rng)`:
  PyTorch-style mini-batches of aligned arrays.
- `sliding_windows(series, window, horizon, stride)`: a time series as (input, target) pairs.
- `CharVocab`, `TextDataset`, `text_chunks`: character-level text, in order for truncated BPTT.
- `read_csv(source, target, features)` -> `SeriesTable`: named columns of a CSV file or DataFrame,
  a time column kept as the index, missing values refused or dropped/filled.
- `StandardScaler`: per-column standardisation fitted on the training rows only.
- `chronological_split`, `naive_forecast`, `rmse`, `mae`: time-ordered splits and the naive
  baselines a forecaster must beat.
- `pad_sequence`, `unpad_sequence`: unequal sequences to one padded batch and back.
- `sine_wave`, `adding_problem`, `toy_sequences`: synthetic data to try models on.
"""

from .dataset import ArrayDataset
from .forecasting import chronological_split, mae, naive_forecast, rmse
from .generators import adding_problem, sine_wave
from .loader import DataLoader
from .padding import pad_sequence, unpad_sequence
from .scaler import StandardScaler
from .table import SeriesTable, read_csv
from .text import TextDataset, text_chunks
from .toy import toy_continuation, toy_sequences
from .vocab import CharVocab
from .windows import sliding_windows

__all__ = [
    "ArrayDataset",
    "CharVocab",
    "DataLoader",
    "SeriesTable",
    "StandardScaler",
    "TextDataset",
    "adding_problem",
    "chronological_split",
    "mae",
    "naive_forecast",
    "pad_sequence",
    "read_csv",
    "rmse",
    "sine_wave",
    "sliding_windows",
    "text_chunks",
    "toy_continuation",
    "toy_sequences",
    "unpad_sequence",
]
