"""CharVocab: the characters of a text, mapped to integer indices and back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


class CharVocab:
    """`CharVocab(text)`: the sorted unique characters of `text`, character i <-> index i.

    `encode(str) -> (len,) int64 indices`, `decode(indices) -> str`, `len(vocab)` characters.
    `to_dict()` / `from_dict()` give a JSON-serialisable form (`{"chars": [...]}`) so a
    checkpoint can store the vocabulary next to the weights.
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"CharVocab: expected a str, got {type(text).__name__}")
        if not text:
            raise ValueError("CharVocab: the text is empty; a vocabulary needs characters")
        self._set_chars(sorted(set(text)))

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        """The sorted unique characters of `text` (same as `CharVocab(text)`)."""
        return cls(text)

    @classmethod
    def from_chars(cls, chars: Iterable[str]) -> CharVocab:
        """A vocabulary with exactly these characters in this order (index i = chars[i])."""
        chars = list(chars)
        if not chars:
            raise ValueError("CharVocab.from_chars: no characters given")
        bad = [char for char in chars if not isinstance(char, str) or len(char) != 1]
        if bad:
            raise ValueError(f"CharVocab.from_chars: expected single characters, got {bad[:5]!r}")
        duplicates = sorted(char for char, count in Counter(chars).items() if count > 1)
        if duplicates:
            raise ValueError(f"CharVocab.from_chars: duplicate characters {duplicates!r}")
        vocab = cls.__new__(cls)
        vocab._set_chars(chars)
        return vocab

    def _set_chars(self, chars: list[str]) -> None:
        self.chars: tuple[str, ...] = tuple(chars)
        self.index: dict[str, int] = {char: i for i, char in enumerate(chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char: object) -> bool:
        return char in self.index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocab) and self.chars == other.chars

    def __hash__(self) -> int:
        return hash(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """str of length n -> (n,) int64 indices; unknown characters are a ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"CharVocab.encode: expected a str, got {type(text).__name__}")
        try:
            return np.fromiter((self.index[char] for char in text), np.int64, len(text))
        except KeyError:
            unknown = sorted(set(text) - self.index.keys())
            raise ValueError(
                f"CharVocab.encode: characters not in the vocabulary: {unknown!r} "
                f"(the vocabulary has {len(self)} characters)"
            ) from None

    def decode(self, indices: Any) -> str:
        """(n,) integer indices in [0, len(vocab)) -> str of length n."""
        array = np.asarray(indices)
        if array.shape == (0,):
            return ""  # np.asarray([]) is float64; an empty sequence is still valid
        if array.dtype.kind not in "iu":
            raise TypeError(f"CharVocab.decode: expected integer indices, got dtype {array.dtype}")
        if array.ndim != 1:
            raise ValueError(f"CharVocab.decode: expected indices of shape (n,), got {array.shape}")
        if array.size and (array.min() < 0 or array.max() >= len(self)):
            raise ValueError(
                f"CharVocab.decode: indices must lie in [0, {len(self)}), got range "
                f"[{array.min()}, {array.max()}]"
            )
        return "".join(self.chars[i] for i in array.tolist())

    def to_dict(self) -> dict[str, list[str]]:
        """A JSON-serialisable description: `{"chars": [char, ...]}` in index order."""
        return {"chars": list(self.chars)}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> CharVocab:
        """Rebuild a vocabulary from `to_dict()`'s output (same characters, same indices)."""
        if not isinstance(state, Mapping) or "chars" not in state:
            raise ValueError("CharVocab.from_dict: expected a mapping with a 'chars' list")
        if isinstance(state["chars"], str):
            raise TypeError("CharVocab.from_dict: 'chars' must be a list of characters, not a str")
        return cls.from_chars(state["chars"])

    def __repr__(self) -> str:
        shown = "".join(self.chars[:40])
        more = "..." if len(self) > 40 else ""
        return f"CharVocab({len(self)} chars: {shown!r}{more})"
