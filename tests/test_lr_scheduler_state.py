"""Scheduler state_dicts (JSON round trip, bit-identical resume), validation; no torch needed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinyrnn import Parameter
from tinyrnn.optim import SGD, lr_scheduler

LRS = (0.1, 0.03)
LOSSES = [1.0, 0.9, 0.9, 0.91, 0.9, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.5]
LOSSES += [0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("ReduceLROnPlateau", dict(patience=1, factor=0.5, cooldown=1, min_lr=[0.0, 0.01])),
]


def _make(name, options):
    optimizer = SGD([{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in LRS], lr=1.0)
    return optimizer, getattr(lr_scheduler, name)(optimizer, **options)


def _step(scheduler, i):
    if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
        scheduler.step(LOSSES[i])
    else:
        scheduler.step()


@pytest.mark.parametrize("optimizer_first", [False, True])
@pytest.mark.parametrize("name, options", SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_resume_through_json_gives_the_same_lrs(name, options, optimizer_first):
    optimizer, scheduler = _make(name, options)
    straight = []
    for i in range(len(LOSSES)):
        _step(scheduler, i)
        straight.append(scheduler.get_last_lr())

    optimizer, scheduler = _make(name, options)
    for i in range(11):
        _step(scheduler, i)
    saved = json.loads(json.dumps(scheduler.state_dict()))  # plain values only
    saved_optimizer = optimizer.state_dict()
    resumed = SGD([{"params": [Parameter(np.zeros(2))], "lr": 9.0} for _ in LRS], lr=1.0)
    if optimizer_first:
        resumed.load_state_dict(saved_optimizer)
    scheduler = getattr(lr_scheduler, name)(resumed, **options)
    if not optimizer_first:
        resumed.load_state_dict(saved_optimizer)
    scheduler.load_state_dict(saved)
    assert scheduler.state_dict() == saved
    for i in range(11, len(LOSSES)):
        _step(scheduler, i)
        assert scheduler.get_last_lr() == straight[i]


@pytest.mark.parametrize(
    "name, options, error, message",
    [
        ("StepLR", dict(step_size=0), ValueError, r"StepLR: invalid step_size 0 \(must be >= 1"),
        ("StepLR", dict(step_size=2.5), TypeError, "StepLR: step_size must be an integer"),
        ("StepLR", dict(step_size=2, gamma=-0.5), ValueError, "StepLR: invalid gamma -0.5"),
        ("ExponentialLR", dict(gamma="0.9"), TypeError, "ExponentialLR: gamma"),
        ("CosineAnnealingLR", dict(T_max=0), ValueError, "CosineAnnealingLR: invalid T_max 0"),
        ("CosineAnnealingLR", dict(T_max=5, eta_min=-1.0), ValueError, "eta_min"),
        ("ReduceLROnPlateau", dict(mode="avg"), ValueError, "mode 'avg' .must be 'min' or 'max'"),
        ("ReduceLROnPlateau", dict(threshold_mode="x"), ValueError, "threshold_mode"),
        ("ReduceLROnPlateau", dict(factor=1.0), ValueError, r"factor 1.0 \(must be >= 0 and < 1"),
        ("ReduceLROnPlateau", dict(patience=-1), ValueError, "patience"),
        ("ReduceLROnPlateau", dict(min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    ],
)
def test_bad_settings_raise(name, options, error, message):
    optimizer = SGD([{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in LRS], lr=1.0)
    with pytest.raises(error, match=message):
        getattr(lr_scheduler, name)(optimizer, **options)
    assert [group["lr"] for group in optimizer.param_groups] == list(LRS)


@pytest.mark.parametrize("name, options", SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_schedulers_need_an_optimizer(name, options):
    with pytest.raises(TypeError, match=f"{name}: expected an Optimizer"):
        getattr(lr_scheduler, name)(object(), **options)


def test_reduce_on_plateau_needs_a_number():
    _, scheduler = _make("ReduceLROnPlateau", {})
    with pytest.raises(TypeError, match="expected a number"):
        scheduler.step("low")  # type: ignore[arg-type]
    scheduler.step(np.array(0.5))  # 0-d arrays and NumPy scalars are fine
    assert scheduler.best == 0.5


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda sd: sd.update(foo=1), "unknown keys"),
        (lambda sd: sd.pop("last_epoch"), "missing"),
        (lambda sd: sd.update(base_lrs=[0.1]), "base_lrs must be a list of 2 numbers, got"),
        (lambda sd: sd.update(last_epoch=2.5), "must be an integer"),
        (lambda sd: sd.update(step_size=0), r"invalid step_size 0 \(must be >= 1"),
        (lambda sd: sd.update(gamma="x"), "gamma"),
    ],
)
def test_failed_scheduler_load_changes_nothing(edit, message):
    optimizer, scheduler = _make("StepLR", dict(step_size=2))
    for i in range(3):
        _step(scheduler, i)
    before = scheduler.state_dict()
    bad = scheduler.state_dict()
    edit(bad)
    with pytest.raises((TypeError, ValueError), match=message):
        scheduler.load_state_dict(bad)
    assert scheduler.state_dict() == before
    assert "StepLR" in repr(scheduler) and "step_size=2" in repr(scheduler)


def test_plateau_state_round_trip_and_mode_check():
    _, scheduler = _make("ReduceLROnPlateau", dict(mode="max"))
    state = scheduler.state_dict()
    assert state["best"] == -float("inf") and state["mode"] == "max"
    json.loads(json.dumps(state))  # Python's json writes inf as Infinity and reads it back
    with pytest.raises(ValueError, match="invalid mode 'median'"):
        scheduler.load_state_dict({**state, "mode": "median"})
    assert scheduler.state_dict() == state
