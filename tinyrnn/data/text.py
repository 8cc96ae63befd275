"""Character-level text in order, for truncated backpropagation through time (TBPTT).

The encoded text is cut into `batch_size` contiguous streams (row b of every batch reads stream
b), and an epoch walks all streams forward `seq_len` characters at a time. Chunk k+1 therefore
continues chunk k in every row, so a stateful RNN (`RNN(..., stateful=True)`) can carry its
hidden state from one chunk to the next; call `rnn.reset_state()` at the start of each epoch.
The target of each character is the character that follows it in the text.

Example, text "abcdefghij" (10 chars -> 9 input/target pairs), batch_size 2, seq_len 2:
streams "abcd" and "efgh" (the 9th pair is dropped); chunks (inputs -> targets)
["ab", "ef"] -> ["bc", "fg"], then ["cd", "gh"] -> ["de", "hi"].
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import functional as F
from .._config import resolve_dtype
from ._checks import check_int
from .vocab import CharVocab


def text_chunks(
    indices: Any, batch_size: int, seq_len: int, *, drop_last: bool = False
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(n,) integer indices -> in-order (inputs, targets), each (batch_size, <= seq_len) int64.

    See the module docstring. The last chunk is shorter when the stream length is not a
    multiple of `seq_len`, unless `drop_last`. Chunks are new arrays.
    """
    # Not a generator itself, so that bad arguments fail here rather than at the first next().
    inputs, targets = _streams(indices, batch_size, seq_len, drop_last)
    return _walk(inputs, targets, seq_len, drop_last)


def _walk(
    inputs: np.ndarray, targets: np.ndarray, seq_len: int, drop_last: bool
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Consecutive column blocks of the (batch, stream_length) streams."""
    for start in range(0, _usable_length(inputs.shape[1], seq_len, drop_last), seq_len):
        stop = start + seq_len
        yield inputs[:, start:stop].copy(), targets[:, start:stop].copy()


def _streams(
    indices: Any, batch_size: int, seq_len: int, drop_last: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(n,) indices -> input and target streams, each (batch_size, (n - 1) // batch_size)."""
    who = "text_chunks"
    batch_size = check_int(batch_size, "batch_size", who)
    seq_len = check_int(seq_len, "seq_len", who)
    data = np.asarray(indices)
    if data.dtype.kind not in "iu" or data.ndim != 1:
        raise TypeError(
            f"{who}: expected (n,) integer indices (see CharVocab.encode), got "
            f"shape {data.shape}, dtype {data.dtype}"
        )
    # Every input character needs the next one as its target: n characters give n - 1 pairs.
    stream_length = (len(data) - 1) // batch_size
    if stream_length < 1 or (drop_last and stream_length < seq_len):
        need = batch_size * (seq_len if drop_last else 1) + 1
        raise ValueError(
            f"{who}: {len(data)} characters are too few for batch_size {batch_size}"
            + (f" and seq_len {seq_len} with drop_last" if drop_last else "")
            + f": need at least {need}"
        )
    used = batch_size * stream_length
    inputs = data[:used].reshape(batch_size, stream_length).astype(np.int64)
    targets = data[1 : used + 1].reshape(batch_size, stream_length).astype(np.int64)
    return inputs, targets


def _usable_length(stream_length: int, seq_len: int, drop_last: bool) -> int:
    return stream_length - stream_length % seq_len if drop_last else stream_length


class TextDataset:
    """In-order TBPTT chunks of a text: `for inputs, targets in TextDataset(text, 32, 50): ...`

    inputs: (batch_size, seq_len) int64 indices, or (batch_size, seq_len, len(vocab)) one-hot
    of `dtype` when `one_hot=True`; targets: (batch_size, seq_len) int64 indices of the next
    characters (what `CrossEntropyLoss` takes). `vocab` defaults to `CharVocab(text)`. Each
    `iter()` is one epoch from the start of the streams; `len()` is the number of chunks.
    """

    def __init__(
        self,
        text: str,
        batch_size: int,
        seq_len: int,
        *,
        vocab: CharVocab | None = None,
        one_hot: bool = False,
        drop_last: bool = False,
        dtype: Any = None,
    ) -> None:
        self.vocab = CharVocab(text) if vocab is None else vocab
        if not isinstance(self.vocab, CharVocab):
            raise TypeError(f"TextDataset: vocab must be a CharVocab, got {type(vocab).__name__}")
        self.data = self.vocab.encode(text)
        # Validates everything once, here, rather than at the first iteration.
        self._inputs, self._targets = _streams(self.data, batch_size, seq_len, drop_last)
        self.batch_size, self.seq_len = int(batch_size), int(seq_len)
        self.one_hot, self.drop_last = bool(one_hot), bool(drop_last)
        self.dtype = resolve_dtype(dtype, "TextDataset")

    def __len__(self) -> int:
        usable = _usable_length(self._inputs.shape[1], self.seq_len, self.drop_last)
        return -(-usable // self.seq_len)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for inputs, targets in _walk(self._inputs, self._targets, self.seq_len, self.drop_last):
            if self.one_hot:
                inputs = F.one_hot(inputs, len(self.vocab), dtype=self.dtype)
            yield inputs, targets

    def __repr__(self) -> str:
        return (
            f"TextDataset({len(self.data)} chars, vocab {len(self.vocab)}, "
            f"batch_size={self.batch_size}, seq_len={self.seq_len}, chunks={len(self)})"
        )
