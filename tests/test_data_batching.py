"""ArrayDataset and DataLoader: alignment, batching, shuffling, drop_last, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import _config, seed
from tinyrnn.data import ArrayDataset, DataLoader


def make_dataset(num_samples: int = 10) -> ArrayDataset:
    inputs = np.arange(num_samples * 6, dtype=np.float64).reshape(num_samples, 3, 2)
    targets = np.arange(num_samples) * 10
    return ArrayDataset(inputs, targets)


def test_array_dataset_indexing_returns_aligned_rows():
    inputs = np.arange(12.0).reshape(4, 3)
    targets = np.array([7, 8, 9, 10])
    dataset = ArrayDataset(inputs, targets)
    assert len(dataset) == 4
    x, y = dataset[2]
    np.testing.assert_array_equal(x, [6.0, 7.0, 8.0])
    assert y == 9
    xs, ys = dataset[np.array([3, 0])]
    np.testing.assert_array_equal(xs, inputs[[3, 0]])
    np.testing.assert_array_equal(ys, [10, 7])


def test_array_dataset_errors():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        ArrayDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        ArrayDataset()
    with pytest.raises(ValueError, match="empty"):
        ArrayDataset(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="scalar"):
        ArrayDataset(np.zeros(3), 5.0)


@pytest.mark.parametrize(
    ("num_samples", "batch_size", "drop_last", "sizes"),
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (9, 3, False, [3, 3, 3]),
        (9, 3, True, [3, 3, 3]),
        (5, 8, False, [5]),
        (1, 1, False, [1]),
    ],
)
def test_batch_sizes_and_len(num_samples, batch_size, drop_last, sizes):
    loader = DataLoader(make_dataset(num_samples), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [len(x) for x, _ in batches] == sizes
    assert all(x.shape[1:] == (3, 2) and len(y) == len(x) for x, y in batches)


def test_unshuffled_batches_are_the_data_in_order():
    dataset = make_dataset(10)
    xs, ys = zip(*DataLoader(dataset, batch_size=4), strict=True)
    np.testing.assert_array_equal(np.concatenate(xs), dataset.arrays[0])
    np.testing.assert_array_equal(np.concatenate(ys), dataset.arrays[1])


def test_batches_are_copies():
    dataset = make_dataset(4)
    x, _ = next(iter(DataLoader(dataset, batch_size=2)))
    x[...] = -1
    assert dataset.arrays[0].min() >= 0


def test_shuffle_covers_every_sample_once_with_aligned_rows():
    dataset = make_dataset(23)
    loader = DataLoader(dataset, batch_size=5, shuffle=True, rng=np.random.default_rng(0))
    for _ in range(3):
        xs, ys = zip(*loader, strict=True)
        order = np.concatenate(ys) // 10
        assert sorted(order.tolist()) == list(range(23))
        # Inputs stay with their targets.
        np.testing.assert_array_equal(np.concatenate(xs), dataset.arrays[0][order])


def test_shuffle_new_order_each_epoch_and_reproducible_with_seed():
    def epochs(rng):
        loader = DataLoader(make_dataset(50), batch_size=7, shuffle=True, rng=rng)
        return [np.concatenate([y for _, y in loader]) for _ in range(2)]

    first, second = epochs(np.random.default_rng(123))
    again_first, again_second = epochs(np.random.default_rng(123))
    np.testing.assert_array_equal(first, again_first)
    np.testing.assert_array_equal(second, again_second)
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(50) * 10)


def test_default_rng_follows_tinyrnn_seed(monkeypatch):
    # Keep the library's generator for the other tests: monkeypatch puts it back afterwards.
    monkeypatch.setattr(_config, "_default_rng", _config.default_rng())
    loader = DataLoader(make_dataset(30), batch_size=30, shuffle=True)
    seed(5)
    ((_, first),) = list(loader)
    seed(5)
    ((_, again),) = list(loader)
    np.testing.assert_array_equal(first, again)


def test_loader_errors():
    dataset = make_dataset(4)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        DataLoader(dataset, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        DataLoader(dataset, batch_size=2.5)
    with pytest.raises(ValueError, match="gives no batches"):
        DataLoader(dataset, batch_size=5, drop_last=True)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(dataset, shuffle=True, rng=42)
    with pytest.raises(TypeError, match="len"):
        DataLoader(42)
    with pytest.raises(ValueError, match="empty"):
        DataLoader([])


def test_one_gather_per_batch():
    # Batches are gathered with one fancy-indexing call, not sample by sample.
    class CountingDataset(ArrayDataset):
        calls = 0

        def __getitem__(self, index):
            CountingDataset.calls += 1
            return super().__getitem__(index)

    loader = DataLoader(CountingDataset(np.zeros((100, 2)), np.zeros(100)), batch_size=10)
    assert sum(1 for _ in loader) == 10
    assert CountingDataset.calls == 10
