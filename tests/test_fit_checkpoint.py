"""fit(checkpoint_path=..., resume_from=...): an interrupted, resumed run equals an unbroken one."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.data import ArrayDataset, DataLoader, TextDataset
from tinyrnn.optim import ReduceLROnPlateau, StepLR
from tinyrnn.training import History, NonFiniteLossError, fit, read_extra

TEXT = "the quick brown fox jumps over the lazy dog; " * 8


@pytest.fixture(autouse=True)
def _keep_default_rng():
    # These tests re-seed and restore the library's default generator: give it back afterwards.
    state = tr.default_rng().bit_generator.state
    yield
    tr.default_rng().bit_generator.state = state


class Interrupt(Exception):
    """Stands in for Ctrl-C / a killed job in the middle of an epoch."""


class CountingMSE(tr.MSELoss):
    """MSELoss that raises Interrupt on its `fail_at`-th training call (a crash mid-epoch)."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.calls, self.fail_at = 0, fail_at

    def __call__(self, pred, target):
        if tr.is_grad_enabled():
            self.calls += 1
            if self.calls == self.fail_at:
                raise Interrupt
        return super().__call__(pred, target)


def windows_run(seed: int, fail_at: int | None = None):
    """A stateful RNN with Dropout(rng=own generator) on shuffled windows, Adam + StepLR."""
    noise = np.random.default_rng(0).standard_normal((400, 1))  # the same data in every run
    series = np.sin(np.arange(400) / 7.0)[:, None] + 0.1 * noise
    rng = np.random.default_rng(seed)
    x, y = tr.data.sliding_windows(series, 12)
    loader = DataLoader(
        ArrayDataset(x, y[:, 0]),
        batch_size=16,
        shuffle=True,
        drop_last=True,  # equal batches: the stateful layer carries (16, hidden) across them
        rng=np.random.default_rng(seed + 100),
    )
    model = tr.Sequential(
        tr.RNN(1, 8, stateful=True, rng=rng),
        tr.Dropout(0.2, rng=np.random.default_rng(seed + 200)),
        tr.RNN(8, 8, return_sequences=False, rng=rng),
        tr.Linear(8, 1, rng=rng),
    )
    optimizer = tr.Adam(model.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    return model, CountingMSE(fail_at), optimizer, scheduler, loader, (x[:50], y[:50, 0])


def assert_same_run(a, b):
    right = b[0].state_dict()
    for name, left in a[0].state_dict().items():
        np.testing.assert_array_equal(left, right[name], err_msg=name)
    state_a, state_b = a[2].state_dict()["state"], b[2].state_dict()["state"]
    for index in state_a:
        for key in state_a[index]:
            np.testing.assert_array_equal(state_a[index][key], state_b[index][key])
    if a[3] is not None:
        assert a[3].state_dict() == b[3].state_dict()


def test_interrupted_then_resumed_run_is_bit_identical(tmp_path):
    path = tmp_path / "run.npz"
    unbroken = windows_run(0)
    model, loss_fn, optimizer, scheduler, loader, val = unbroken
    options = {"epochs": 6, "val_data": val, "clip_grad_norm": 1.0, "log": lambda _: None}
    expected = fit(model, loss_fn, optimizer, loader, scheduler=scheduler, **options)

    # 23 batches per epoch: the 5th epoch is interrupted; the last checkpoint is epoch 4's.
    model, loss_fn, optimizer, scheduler, loader, _ = windows_run(0, fail_at=4 * 23 + 7)
    with pytest.raises(Interrupt):
        fit(
            model,
            loss_fn,
            optimizer,
            loader,
            scheduler=scheduler,
            checkpoint_path=path,
            checkpoint_every=2,
            **options,
        )
    assert read_extra(path)["fit"]["history"]["loss"] == expected.loss[:4]

    # Fresh objects, built from other seeds: everything that matters must come from the file.
    resumed = windows_run(99)
    model, loss_fn, optimizer, scheduler, loader, _ = resumed
    history = fit(
        model,
        loss_fn,
        optimizer,
        loader,
        scheduler=scheduler,
        checkpoint_path=path,
        resume_from=path,
        **options,
    )
    assert history.loss == expected.loss and history.val_loss == expected.val_loss
    assert history.lr == expected.lr
    assert_same_run(unbroken, resumed)
    # Generators continue where the unbroken run's are: the next shuffle is the same.
    np.testing.assert_array_equal(unbroken[4].rng.permutation(10), loader.rng.permutation(10))
    assert read_extra(path)["fit"]["history"]["loss"] == expected.loss


def text_run(seed: int):
    """Char model, stateful TBPTT over TextDataset, Adagrad; Dropout on the default generator."""
    rng = np.random.default_rng(seed)
    data = TextDataset(TEXT, batch_size=4, seq_len=10, one_hot=True)
    vocab = len(data.vocab)
    model = tr.Sequential(
        tr.RNN(vocab, 16, stateful=True, rng=rng), tr.Dropout(0.1), tr.Linear(16, vocab, rng=rng)
    )
    optimizer = tr.Adagrad(model.parameters(), lr=0.1)
    return model, tr.CrossEntropyLoss(), optimizer, None, data


def test_stateful_text_model_and_default_generator_resume_exactly(tmp_path):
    path = tmp_path / "text.npz"
    tr.seed(5)
    unbroken = text_run(0)
    expected = fit(*unbroken[:3], unbroken[4], epochs=4, clip_grad_norm=5.0, log=lambda _: None)
    after = tr.default_rng().random()

    tr.seed(5)
    first = text_run(0)
    fit(
        *first[:3], first[4], epochs=2, clip_grad_norm=5.0, checkpoint_path=path, log=lambda _: None
    )
    tr.seed(1234)  # a new process would start from some other state
    resumed = text_run(7)
    history = fit(
        *resumed[:3], resumed[4], epochs=4, clip_grad_norm=5.0, resume_from=path, log=lambda _: None
    )
    assert history.loss == expected.loss
    assert_same_run(unbroken, resumed)
    assert tr.default_rng().random() == after


def plateau_run(seed: int, fail_at: int | None = None):
    rng = np.random.default_rng(seed)
    x, y = tr.data.toy_sequences(64, rng=np.random.default_rng(0))
    val = tr.data.toy_sequences(32, rng=np.random.default_rng(1))
    model = tr.Sequential(tr.RNN(3, 8, return_sequences=False, rng=rng), tr.Linear(8, 3, rng=rng))
    optimizer = tr.SGD(model.parameters(), lr=1.5, momentum=0.9)  # too high: it diverges
    scheduler = ReduceLROnPlateau(optimizer, patience=1, factor=0.5)
    return model, CountingMSE(fail_at), optimizer, scheduler, (x, y), val


def test_early_stopping_state_survives_a_resume(tmp_path):
    path = tmp_path / "stop.npz"
    options = {"early_stopping_patience": 3, "log": lambda _: None, "epochs": 60}
    unbroken = plateau_run(0)
    model, loss_fn, optimizer, scheduler, data, val = unbroken
    expected = fit(model, loss_fn, optimizer, data, val_data=val, scheduler=scheduler, **options)
    assert expected.stopped_early and expected.epochs > 4, "the test needs an early stop"

    stop_at = expected.epochs - 1  # interrupted while patience is running out
    model, loss_fn, optimizer, scheduler, data, val = plateau_run(0, fail_at=stop_at)
    with pytest.raises(Interrupt):
        fit(
            model,
            loss_fn,
            optimizer,
            data,
            val_data=val,
            scheduler=scheduler,
            checkpoint_path=path,
            checkpoint_every=1,
            **options,
        )
    resumed = plateau_run(3)
    model, loss_fn, optimizer, scheduler, data, val = resumed
    history = fit(
        model,
        loss_fn,
        optimizer,
        data,
        val_data=val,
        scheduler=scheduler,
        resume_from=path,
        checkpoint_path=path,
        **options,
    )
    assert history == expected
    assert_same_run(unbroken, resumed)
    # Re-running the finished run changes nothing: it had stopped early.
    again = plateau_run(4)
    history = fit(
        again[0],
        again[1],
        again[2],
        again[4],
        val_data=again[5],
        scheduler=again[3],
        resume_from=path,
        **options,
    )
    assert history == expected
    assert_same_run(unbroken, again)


def test_checkpoint_holds_user_extra_and_every_epoch_schedule(tmp_path, monkeypatch):
    import tinyrnn.training.checkpointing as checkpointing

    saved_at = []
    original = checkpointing.save

    def spy(path, model, optimizer, **kwargs):
        saved_at.append(kwargs["step"])
        original(path, model, optimizer, **kwargs)

    monkeypatch.setattr(checkpointing, "save", spy)
    model, loss_fn, optimizer, _, data, _ = plateau_run(0)
    optimizer.param_groups[0]["lr"] = 0.05
    path = tmp_path / "run.npz"
    fit(
        model,
        loss_fn,
        optimizer,
        data,
        epochs=7,
        checkpoint_path=path,
        checkpoint_every=3,
        checkpoint_extra={"config": {"hidden": 8}},
        log=lambda _: None,
    )
    assert saved_at == [3, 6, 7]  # every 3 epochs, and after the last one
    extra = read_extra(path)
    assert extra["config"] == {"hidden": 8} and len(extra["fit"]["history"]["loss"]) == 7
    fresh = plateau_run(1)[0]
    assert tr.load(path, fresh)["step"] == 7
    for a, b in zip(model.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_nan_keeps_the_last_good_checkpoint_and_the_parameters(tmp_path):
    model, loss_fn, optimizer, _, (x, y), _ = plateau_run(0)
    optimizer.param_groups[0]["lr"] = 0.05
    path = tmp_path / "run.npz"
    fit(model, loss_fn, optimizer, (x, y), epochs=2, checkpoint_path=path, log=lambda _: None)
    good = path.read_bytes()
    before = [p.data.copy() for p in model.parameters()]
    bad = y.copy()
    bad.flat[0] = np.finfo(y.dtype).max  # finite data whose squared error overflows
    with pytest.raises(NonFiniteLossError, match="epoch 3, step 1"):
        fit(
            model,
            loss_fn,
            optimizer,
            (x, bad),
            epochs=3,
            resume_from=path,
            checkpoint_path=path,
            checkpoint_every=1,
            log=lambda _: None,
        )
    assert path.read_bytes() == good
    for a, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(a.data, b)


def test_failed_resume_changes_nothing(tmp_path):
    model, loss_fn, optimizer, _, data, _ = plateau_run(0)
    path = tmp_path / "run.npz"
    fit(model, loss_fn, optimizer, data, epochs=1, checkpoint_path=path, log=lambda _: None)
    rng = np.random.default_rng(0)
    other = tr.Sequential(tr.RNN(3, 5, return_sequences=False, rng=rng), tr.Linear(5, 3, rng=rng))
    other_opt = tr.SGD(other.parameters(), lr=0.1)
    before = other.state_dict()
    default_before = tr.default_rng().bit_generator.state
    with pytest.raises(ValueError, match="size mismatch"):
        fit(other, loss_fn, other_opt, data, epochs=2, resume_from=path)
    for name, value in other.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    assert tr.default_rng().bit_generator.state == default_before

    plain = tmp_path / "plain.npz"
    tr.save(plain, model, optimizer)
    with pytest.raises(ValueError, match="not a checkpoint written by fit"):
        fit(model, loss_fn, optimizer, data, epochs=2, resume_from=plain)
    with pytest.raises(FileNotFoundError):
        fit(model, loss_fn, optimizer, data, epochs=2, resume_from=tmp_path / "missing.npz")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"checkpoint_every": 2}, "needs a checkpoint_path"),
        ({"checkpoint_path": "x.npz", "checkpoint_every": 0}, "checkpoint_every"),
        ({"checkpoint_path": "x.npz", "checkpoint_extra": {"fit": 1}}, "reserved key"),
        ({"resume_from": "x.npz", "history": History()}, "not both"),
    ],
)
def test_bad_checkpoint_arguments(kwargs, message):
    model, loss_fn, optimizer, _, data, _ = plateau_run(0)
    with pytest.raises(ValueError, match=message):
        fit(model, loss_fn, optimizer, data, epochs=1, **kwargs)


def test_resume_with_fewer_epochs_than_done_is_an_error(tmp_path):
    model, loss_fn, optimizer, _, data, _ = plateau_run(0)
    path = tmp_path / "run.npz"
    fit(model, loss_fn, optimizer, data, epochs=3, checkpoint_path=path, log=lambda _: None)
    with pytest.raises(ValueError, match="total length"):
        fit(model, loss_fn, optimizer, data, epochs=2, resume_from=path)
