"""EarlyStopping counts patience as documented (as PyTorch's ReduceLROnPlateau does)."""

from __future__ import annotations

import pytest

import tinyrnn as tr
from tinyrnn.training import EarlyStopping


@pytest.mark.parametrize("patience", [0, 1, 2, 5])
def test_stops_at_the_first_epoch_past_patience_without_improvement(patience):
    model = tr.Linear(2, 1)
    stopper = EarlyStopping(patience)
    assert not stopper.should_stop(1.0, 1, model)  # the best so far
    bad_epochs = 0
    while not stopper.should_stop(1.0, 2 + bad_epochs, model):
        bad_epochs += 1
        assert bad_epochs <= patience, "kept going past its patience"
    assert bad_epochs == patience  # tolerated `patience` epochs, stopped on the next one
    assert stopper.best_epoch == 1


def test_an_improvement_resets_the_count_and_min_delta_is_required():
    model = tr.Linear(2, 1)
    stopper = EarlyStopping(1, min_delta=0.1)
    assert not stopper.should_stop(1.0, 1, model)
    assert not stopper.should_stop(0.95, 2, model)  # better, but by less than min_delta
    assert not stopper.should_stop(0.5, 3, model)  # a real improvement: the count restarts
    assert stopper.best_epoch == 3 and stopper.waited == 0
    assert not stopper.should_stop(0.5, 4, model)
    assert stopper.should_stop(0.5, 5, model)


def test_negative_patience_is_refused():
    with pytest.raises(ValueError, match="EarlyStopping: patience must be >= 0, got -1"):
        EarlyStopping(-1)
