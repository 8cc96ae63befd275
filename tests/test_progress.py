"""fit's progress: a per-batch tqdm bar, or plain lines every few seconds (with a fake clock)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import tinyrnn as tr
import tinyrnn.training.progress as progress
from tinyrnn.training import fit
from tinyrnn.training.progress import Progress


class FakeClock:
    """Seconds that pass only when told to (or by `tick` on every reading)."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now, self.tick = 100.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


@pytest.fixture
def no_tqdm(monkeypatch):
    monkeypatch.setattr(progress, "_tqdm_class", lambda: None)


def test_plain_lines_come_every_interval_with_loss_and_rate(no_tqdm):
    clock, lines = FakeClock(), []
    bar = Progress(3, 0, None, lines.append, batches_per_epoch=10, interval=5.0, clock=clock)
    bar.start_epoch(1)
    for _ in range(10):
        clock.now += 1.0  # one second per batch of 4 samples
        bar.batch(4, 2.0)
    assert lines == [
        "epoch 1/3  batch 5/10  loss 2.000000  (1 batches/s, 4 samples/s)",
        "epoch 1/3  batch 10/10  loss 2.000000  (1 batches/s, 4 samples/s)",
    ]
    bar.end_epoch({"loss": 2.0}, scheduled=False)  # the epoch printed lines: close it
    assert lines[-1] == "epoch    1  loss 2.000000  (1 batches/s, 4 samples/s)"


def test_quick_epochs_print_only_the_scheduled_lines(no_tqdm):
    clock, lines = FakeClock(), []
    bar = Progress(5, 0, None, lines.append, batches_per_epoch=3, clock=clock)
    for epoch in range(1, 6):
        bar.start_epoch(epoch)
        for _ in range(3):
            clock.now += 0.01
            bar.batch(2, 1.0)
        bar.end_epoch({"loss": 1.0}, scheduled=epoch in (1, 5))
    assert [line.split()[1] for line in lines] == ["1", "5"]


def test_a_silent_stretch_longer_than_the_interval_ends_with_a_line(no_tqdm):
    clock, lines = FakeClock(), []
    bar = Progress(2, 0, None, lines.append, interval=5.0, clock=clock)
    bar.start_epoch(1)
    clock.now += 4.0
    bar.batch(1, 0.5)
    assert lines == []
    clock.now += 1.5  # 5.5 s since the start, in the epoch-end bookkeeping
    bar.end_epoch({"loss": 0.5}, scheduled=False)
    assert len(lines) == 1 and lines[0].startswith("epoch    1  loss 0.500000")


def test_progress_false_prints_no_mid_epoch_lines(monkeypatch):
    clock, lines = FakeClock(tick=10.0), []
    bar = Progress(1, 0, False, lines.append, batches_per_epoch=4, clock=clock)
    bar.start_epoch(1)
    for _ in range(4):
        bar.batch(1, 1.0)
    bar.end_epoch({"loss": 1.0}, scheduled=False)
    assert lines == []


def test_tqdm_bar_advances_per_batch_with_loss_and_rate():
    tqdm = pytest.importorskip("tqdm.std").tqdm
    out, bars = io.StringIO(), []

    def bar_class(**kwargs):
        bars.append(tqdm(file=out, mininterval=0, **kwargs))
        return bars[-1]

    bar = Progress(2, 0, True, print, batches_per_epoch=3, bar_class=bar_class)
    assert len(bars) == 1 and bars[0].total == 6
    for epoch in (1, 2):
        bar.start_epoch(epoch)
        for _ in range(3):
            bar.batch(8, 0.25)
        bar.end_epoch({"loss": 0.25}, scheduled=False)
    bar.close()
    text = out.getvalue()
    assert bars[0].n == 6
    assert "epoch 2/2" in text and "loss 0.25" in text and "batch/s" in text


def test_automatic_mode_uses_the_bar_in_a_notebook(monkeypatch):
    made = []

    class FakeBar:
        def __init__(self, **kwargs):
            made.append(kwargs)

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    monkeypatch.setattr(progress, "_tqdm_class", lambda: FakeBar)
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: False, raising=False)
    Progress(4, 0, None, print, batches_per_epoch=5)
    assert made == [{"total": 20, "unit": "batch", "desc": "epoch 1/4"}]
    monkeypatch.setattr(progress, "_in_notebook", lambda: False)
    lines: list[str] = []
    plain = Progress(4, 0, None, lines.append)
    assert plain.plain and len(made) == 1, "not a terminal, not a notebook: plain lines"


def test_a_long_lazy_epoch_in_fit_is_never_silent(no_tqdm, monkeypatch):
    """A text-like loader with many batches: lines appear during the first epoch."""
    monkeypatch.setattr(progress, "_clock", FakeClock(tick=1.0))  # every reading: 1 s later
    rng = np.random.default_rng(0)
    batches = [(rng.integers(0, 5, (2, 6)), rng.integers(0, 5, (2, 6))) for _ in range(12)]
    model = tr.Sequential(
        tr.Embedding(5, 4, rng=rng), tr.GRU(4, 6, rng=rng), tr.Linear(6, 5, rng=rng)
    )
    lines: list[str] = []
    fit(
        model,
        tr.CrossEntropyLoss(),
        tr.Adam(model.parameters()),
        batches,
        epochs=1,
        log=lines.append,
    )
    mid_epoch = [line for line in lines if "batch " in line]
    assert len(mid_epoch) >= 2 and mid_epoch[0].startswith("epoch 1/1  batch ")
    assert all("/12" in line and "samples/s" in line for line in mid_epoch)
    assert lines[-1].startswith("epoch    1  loss")
