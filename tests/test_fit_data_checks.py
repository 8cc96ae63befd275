"""fit checks its data: NaN/inf inputs or targets are a ValueError naming the array and index."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.data import ArrayDataset, DataLoader
from tinyrnn.training import fit
from tinyrnn.training.data_checks import first_nonfinite


def _run(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((20, 4, 2)).astype(np.float32)
    y = rng.standard_normal((20, 1)).astype(np.float32)
    model = tr.Sequential(tr.RNN(2, 5, return_sequences=False, rng=rng), tr.Linear(5, 1, rng=rng))
    optimizer = tr.SGD(model.parameters(), lr=0.1)
    steps: list[int] = []
    step = optimizer.step

    def counting_step() -> None:
        steps.append(1)
        step()

    optimizer.step = counting_step  # type: ignore[method-assign]
    return model, optimizer, x, y, steps


def _quiet(**kwargs):
    return dict(kwargs, log=lambda _: None, progress=False)


def test_nan_input_pair_is_named_with_its_index_before_any_step():
    model, optimizer, x, y, steps = _run()
    before = model.state_dict()
    x[5, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"training inputs contain NaN at index \(5, 2, 1\)"):
        fit(model, tr.MSELoss(), optimizer, (x, y), **_quiet(epochs=3))
    assert steps == []
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_target_in_a_shuffled_array_loader_is_found_up_front(value):
    model, optimizer, x, y, steps = _run()
    y[13, 0] = value
    # Shuffled: the index reported is the sample's index in the dataset, not in a batch.
    loader = DataLoader(
        ArrayDataset(x, y), batch_size=4, shuffle=True, rng=np.random.default_rng(1)
    )
    with pytest.raises(
        ValueError, match=r"training targets contain an infinite value .* \(13, 0\)"
    ):
        fit(model, tr.MSELoss(), optimizer, loader, **_quiet(epochs=1))
    assert steps == []


def test_validation_pair_is_checked_before_training():
    model, optimizer, x, y, steps = _run()
    val_x = x[:6].copy()
    val_x[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"validation inputs contain NaN at index \(0, 0, 0\)"):
        fit(model, tr.MSELoss(), optimizer, (x, y), **_quiet(epochs=1, val_data=(val_x, y[:6])))
    assert steps == []


class CountingBatches:
    """A re-iterable lazy source of batches that records what was drawn."""

    def __init__(self, batches):
        self.batches, self.iterations, self.drawn = batches, 0, 0

    def __iter__(self):
        self.iterations += 1
        for batch in self.batches:
            self.drawn += 1
            yield batch


def test_lazy_batches_are_checked_as_drawn_without_a_second_pass():
    model, optimizer, x, y, steps = _run()
    bad_y = y[8:12].copy()
    bad_y[2, 0] = np.nan
    source = CountingBatches([(x[:4], y[:4]), (x[4:8], y[4:8]), (x[8:12], bad_y), (x[12:], y[12:])])
    with pytest.raises(
        ValueError, match=r"training targets contain NaN at index \(2, 0\) of batch 3 of epoch 1"
    ):
        fit(model, tr.MSELoss(), optimizer, source, **_quiet(epochs=2))
    assert len(steps) == 2, "the two good batches were trained on, the bad one was not"
    assert source.iterations == 1 and source.drawn == 3, "no pass over the data before training"


def test_lazy_validation_batches_are_checked_too():
    model, optimizer, x, y, _ = _run()
    bad_x = x[:4].copy()
    bad_x[1, 3, 0] = np.inf
    with pytest.raises(
        ValueError, match=r"validation inputs contain an infinite value .* of batch 2 of epoch 1"
    ):
        fit(
            model,
            tr.MSELoss(),
            optimizer,
            (x, y),
            **_quiet(epochs=1, val_data=[(x[4:8], y[4:8]), (bad_x, y[:4])]),
        )


def test_clean_data_of_every_kind_trains():
    model, optimizer, x, y, steps = _run()
    huge = x.astype(np.float64) * 1e307  # finite, but its sum overflows: the exact scan decides
    assert first_nonfinite(huge) is None
    history = fit(
        model, tr.MSELoss(), optimizer, [(x[:10], y[:10]), (x[10:], y[10:])], **_quiet(epochs=2)
    )
    assert history.epochs == 2 and len(steps) == 4


def test_first_nonfinite_is_the_first_in_c_order_and_ignores_integers():
    array = np.zeros((3, 4))
    array[2, 0], array[1, 3] = np.nan, -np.inf
    assert first_nonfinite(array) == (1, 3)
    assert first_nonfinite(np.arange(12).reshape(3, 4)) is None
    assert first_nonfinite(np.array([1.0, 2.0], dtype=np.float32)) is None
