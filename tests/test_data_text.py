"""CharVocab, text_chunks and TextDataset: round trips, stream continuity, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinyrnn.data import CharVocab, TextDataset, text_chunks

TEXT = "the quick brown fox jumps over the lazy dog. THE END!\n"


def test_vocab_sorted_unique_and_round_trip():
    vocab = CharVocab(TEXT)
    assert list(vocab.chars) == sorted(set(TEXT))
    assert len(vocab) == len(set(TEXT))
    encoded = vocab.encode(TEXT)
    assert encoded.shape == (len(TEXT),) and encoded.dtype == np.int64
    assert vocab.decode(encoded) == TEXT
    assert all(vocab.chars[i] == char for i, char in zip(encoded, TEXT, strict=True))
    assert CharVocab.from_text(TEXT) == vocab
    assert vocab.encode("").shape == (0,) and vocab.decode([]) == ""


def test_vocab_unicode():
    vocab = CharVocab("héllo wörld ✓")
    assert vocab.decode(vocab.encode("wörld ✓")) == "wörld ✓"


def test_vocab_dict_round_trip_through_json():
    vocab = CharVocab(TEXT)
    restored = CharVocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab
    np.testing.assert_array_equal(restored.encode(TEXT), vocab.encode(TEXT))
    # from_chars keeps the given order, so a stored vocabulary keeps its indices.
    custom = CharVocab.from_chars(["z", "a"])
    np.testing.assert_array_equal(custom.encode("az"), [1, 0])
    assert CharVocab.from_dict(custom.to_dict()).encode("za").tolist() == [0, 1]


def test_vocab_errors():
    vocab = CharVocab("abc")
    with pytest.raises(ValueError, match=r"\['x', 'z'\]"):
        vocab.encode("abzcx")
    with pytest.raises(ValueError, match="empty"):
        CharVocab("")
    with pytest.raises(TypeError, match="str"):
        CharVocab(["a", "b"])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        vocab.decode([0, 3])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        vocab.decode([-1])
    with pytest.raises(TypeError, match="integer"):
        vocab.decode([0.0])
    with pytest.raises(ValueError, match="duplicate"):
        CharVocab.from_chars(["a", "a"])
    with pytest.raises(ValueError, match="single characters"):
        CharVocab.from_chars(["ab"])
    with pytest.raises(ValueError, match="chars"):
        CharVocab.from_dict({"letters": ["a"]})


def test_docstring_example():
    vocab = CharVocab("abcdefghij")
    chunks = [
        ([vocab.decode(row) for row in x], [vocab.decode(row) for row in y])
        for x, y in TextDataset("abcdefghij", 2, 2, vocab=vocab)
    ]
    assert chunks == [(["ab", "ef"], ["bc", "fg"]), (["cd", "gh"], ["de", "hi"])]


@pytest.mark.parametrize(("batch_size", "seq_len"), [(1, 5), (3, 4), (4, 7), (5, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_chunks_continue_each_stream(batch_size, seq_len, drop_last):
    data = np.arange(100)  # index i stands for the i-th character of a text
    chunks = list(text_chunks(data, batch_size, seq_len, drop_last=drop_last))
    stream_length = 99 // batch_size
    usable = stream_length - stream_length % seq_len if drop_last else stream_length
    assert len(chunks) == -(-usable // seq_len)
    for inputs, targets in chunks:
        assert inputs.shape == targets.shape and inputs.shape[0] == batch_size
        assert inputs.shape[1] <= seq_len and inputs.dtype == np.int64
        # The target of every character is the next character of the text.
        np.testing.assert_array_equal(targets, inputs + 1)
    for (first, _), (second, _) in zip(chunks, chunks[1:], strict=False):
        assert first.shape[1] == seq_len
        # Chunk k+1 continues chunk k in every row: a stateful RNN may carry its state.
        np.testing.assert_array_equal(second[:, 0], first[:, -1] + 1)
    # Each row is one contiguous stream, the streams are consecutive pieces of the text.
    rows = np.concatenate([inputs for inputs, _ in chunks], axis=1)
    np.testing.assert_array_equal(
        rows, np.arange(batch_size * stream_length).reshape(batch_size, stream_length)[:, :usable]
    )


def test_text_dataset_one_hot_and_len():
    dataset = TextDataset(TEXT, batch_size=2, seq_len=8, one_hot=True, dtype=np.float64)
    vocab = dataset.vocab
    chunks = list(dataset)
    assert len(dataset) == len(chunks) == 4  # (54 - 1) // 2 = 26 steps per stream -> 8, 8, 8, 2
    inputs, targets = chunks[0]
    assert inputs.shape == (2, 8, len(vocab)) and inputs.dtype == np.float64
    np.testing.assert_array_equal(inputs.sum(-1), 1.0)
    first_row = TEXT[:8]
    assert vocab.decode(inputs[0].argmax(-1)) == first_row
    assert vocab.decode(targets[0]) == TEXT[1:9]
    assert vocab.decode(chunks[0][0][1].argmax(-1)) == TEXT[26:34]
    # Every epoch starts again from the beginning.
    np.testing.assert_array_equal(next(iter(dataset))[0], inputs)


def test_text_dataset_with_given_vocab():
    vocab = CharVocab(TEXT + "xyz")
    dataset = TextDataset("the fox", 1, 3, vocab=vocab)
    assert dataset.vocab is vocab
    with pytest.raises(ValueError, match=r"\['#'\]"):
        TextDataset("the #fox", 1, 3, vocab=vocab)


def test_text_chunks_errors():
    with pytest.raises(ValueError, match="too few .* need at least 5"):
        text_chunks(np.arange(4), batch_size=4, seq_len=2)
    with pytest.raises(ValueError, match="need at least 9"):
        TextDataset("abcdefgh", batch_size=2, seq_len=4, drop_last=True)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        text_chunks(np.arange(10), batch_size=0, seq_len=2)
    with pytest.raises(ValueError, match="seq_len must be >= 1"):
        TextDataset(TEXT, batch_size=1, seq_len=0)
    with pytest.raises(TypeError, match="integer indices"):
        text_chunks(np.zeros(10), 1, 2)
    with pytest.raises(TypeError, match="CharVocab"):
        TextDataset(TEXT, 1, 2, vocab={"a": 0})
