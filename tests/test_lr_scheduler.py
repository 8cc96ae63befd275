"""Learning-rate schedulers: exact agreement with torch's lrs step by step, and state_dicts."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import Parameter
from tinyrnn.optim import SGD, lr_scheduler

torch = pytest.importorskip("torch")

LRS = (0.1, 0.03)
SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.01)),
]
# A loss that falls, stalls, creeps down by less than the threshold, and falls again.
LOSSES = [1.0, 0.9, 0.9, 0.91, 0.9, 0.89999, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79, 0.5, 0.5]
LOSSES += [0.5, 0.5, 0.5, 0.4999, 0.5, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.31, 0.3]
LOSSES += [0.3, 0.3, 0.3, 0.3, 0.2]
PLATEAU = [
    dict(),
    dict(patience=0, factor=0.5),
    dict(patience=2, factor=0.5, cooldown=2),
    dict(patience=1, threshold=0.05, threshold_mode="abs", min_lr=0.01),
    dict(patience=1, factor=0.3, min_lr=[0.002, 0.02], eps=1e-3),
    dict(mode="max", patience=1, factor=0.5),
    dict(mode="max", patience=2, threshold=0.01, threshold_mode="abs", cooldown=1),
]


def _optimizers():
    ours = SGD([{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in LRS], lr=1.0)
    tensors = [torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in LRS]
    theirs = torch.optim.SGD(
        [{"params": [t], "lr": lr} for t, lr in zip(tensors, LRS, strict=True)], lr=1.0
    )
    return ours, theirs


def _check(ours, theirs, ours_opt, record_max, name):
    expected = theirs.get_last_lr()
    got = ours.get_last_lr()
    record_max(f"scheduler parity max abs error ({name})", max(abs(np.subtract(got, expected))))
    assert got == expected  # bit for bit: the same float operations in the same order
    assert [group["lr"] for group in ours_opt.param_groups] == expected


@pytest.mark.parametrize("name, options", SCHEDULERS)
def test_scheduler_matches_torch(record_max, name, options):
    ours_opt, theirs_opt = _optimizers()
    ours = getattr(lr_scheduler, name)(ours_opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **options)
    _check(ours, theirs, ours_opt, record_max, name)
    for _ in range(40):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        _check(ours, theirs, ours_opt, record_max, name)


def test_chained_schedulers_match_torch(record_max):
    ours_opt, theirs_opt = _optimizers()
    ours = [lr_scheduler.StepLR(ours_opt, 4, 0.5), lr_scheduler.CosineAnnealingLR(ours_opt, 6)]
    theirs = [
        torch.optim.lr_scheduler.StepLR(theirs_opt, 4, 0.5),
        torch.optim.lr_scheduler.CosineAnnealingLR(theirs_opt, 6),
    ]
    for _ in range(25):
        ours_opt.step()
        theirs_opt.step()
        for mine, their in zip(ours, theirs, strict=True):
            mine.step()
            their.step()
        _check(ours[1], theirs[1], ours_opt, record_max, "StepLR+Cosine")


@pytest.mark.parametrize("options", PLATEAU)
def test_reduce_on_plateau_matches_torch(record_max, options):
    ours_opt, theirs_opt = _optimizers()
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **options)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **options)
    for loss in LOSSES:
        metric = 1.0 - loss if options.get("mode") == "max" else loss  # e.g. an accuracy
        ours.step(metric)
        theirs.step(metric)
        _check(ours, theirs, ours_opt, record_max, "ReduceLROnPlateau")
        for attribute in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert ours.get_last_lr() != list(LRS)  # the sequence did trigger reductions
