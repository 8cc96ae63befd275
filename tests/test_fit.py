"""fit(): training loop behaviour — learning, logging, NaN stop, early stopping, state resets."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.data.toy import toy_sequences
from tinyrnn.training import History, NonFiniteLossError, evaluate, fit


def _setup(seed: int = 0):
    rng = np.random.default_rng(seed)
    x, y = toy_sequences(64, rng=rng)
    model = tr.Sequential(tr.RNN(3, 8, return_sequences=False, rng=rng), tr.Linear(8, 3, rng=rng))
    return model, tr.MSELoss(), tr.SGD(model.parameters(), lr=0.05, momentum=0.9), x, y


def test_fit_learns_and_records_history():
    model, loss_fn, opt, x, y = _setup()
    lines: list[str] = []
    history = fit(model, loss_fn, opt, (x, y), epochs=60, log_every=10, log=lines.append)
    assert history.epochs == 60 and len(history.lr) == 60 and history.val_loss == []
    assert history.loss[-1] < history.loss[0] / 5
    # First epoch, every 10th, and the last one are logged.
    logged = [int(line.split()[1]) for line in lines]
    assert logged == [1, 10, 20, 30, 40, 50, 60]


def test_fit_over_batches_matches_a_hand_written_loop():
    model, loss_fn, opt, x, y = _setup()
    twin, twin_loss, twin_opt, _, _ = _setup()
    batches = [(x[:32], y[:32]), (x[32:], y[32:])]
    fit(model, loss_fn, opt, batches, epochs=3, log=lambda _: None)
    for _ in range(3):
        for xb, yb in batches:
            twin_opt.zero_grad()
            twin_loss(twin(xb), yb)
            twin.backward(twin_loss.backward())
            twin_opt.step()
    for (name, a), b in zip(model.state_dict().items(), twin.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_nan_loss_stops_with_epoch_and_step_before_touching_parameters():
    model, loss_fn, opt, x, y = _setup()
    bad = y[32:].copy()
    bad[3, 0] = 3e38  # finite data (it passes fit's data check) whose squared error overflows
    batches = [(x[:32], y[:32]), (x[32:], bad)]
    twin, twin_loss, twin_opt, _, _ = _setup()
    twin_opt.zero_grad()
    twin_loss(twin(x[:32]), y[:32])
    twin.backward(twin_loss.backward())
    twin_opt.step()
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 2"):
        fit(model, loss_fn, opt, batches, epochs=2, log=lambda _: None)
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert all(m.pending_backwards == 0 for m in model.modules()), "no caches left behind"


def test_validation_and_early_stopping_restore_the_best_weights():
    model, loss_fn, opt, x, y = _setup()
    opt.param_groups[0]["lr"] = 2.0  # diverges after a few epochs: validation loss rises
    rng = np.random.default_rng(5)
    val = toy_sequences(32, rng=rng)
    history = fit(
        model, loss_fn, opt, (x, y), epochs=200, val_data=val,
        early_stopping_patience=2, log=lambda _: None,
    )  # fmt: skip
    assert history.stopped_early and history.best_epoch is not None
    assert len(history.val_loss) == history.epochs < 200
    best = min(history.val_loss)
    assert history.val_loss[history.best_epoch - 1] == best
    assert evaluate(model, loss_fn, val) == pytest.approx(best, rel=1e-6)


def test_stateful_layers_are_reset_at_each_epoch():
    class Spy(tr.Module):
        def __init__(self):
            super().__init__()
            self.resets = 0

        def reset_state(self):
            self.resets += 1

        def forward(self, x):
            return x

        def backward(self, grad):
            return grad

    model, loss_fn, opt, x, y = _setup()
    spy = Spy()
    full = tr.Sequential(spy, *model)
    fit(full, loss_fn, opt, [(x[:32], y[:32]), (x[32:], y[32:])], epochs=3, log=lambda _: None)
    assert spy.resets == 3  # once per epoch, not per batch


def test_scheduler_is_stepped_once_per_epoch():
    class Halving:
        def __init__(self, optimizer):
            self.optimizer = optimizer

        def step(self):
            self.optimizer.param_groups[0]["lr"] *= 0.5

    model, loss_fn, opt, x, y = _setup()
    history = fit(model, loss_fn, opt, (x, y), epochs=3, scheduler=Halving(opt), log=print)
    assert history.lr == [0.05, 0.025, 0.0125]


def test_clipping_bounds_the_gradient_norm():
    model, loss_fn, opt, x, y = _setup()
    seen = []
    step = opt.step

    def spy_step():
        seen.append(np.sqrt(sum(float(np.sum(p.grad**2)) for p in model.parameters())))
        step()

    opt.step = spy_step  # type: ignore[method-assign]
    fit(model, loss_fn, opt, (x * 50, y * 50), epochs=3, clip_grad_norm=0.1, log=lambda _: None)
    assert max(seen) <= 0.1 + 1e-6


def test_progress_falls_back_to_log_lines(monkeypatch):
    import tinyrnn.training.progress as progress

    monkeypatch.setattr(progress, "_tqdm_class", lambda: None)
    model, loss_fn, opt, x, y = _setup()
    lines: list[str] = []
    fit(model, loss_fn, opt, (x, y), epochs=2, progress=True, log=lines.append)
    assert "tqdm is not installed" in lines[0] and len(lines) == 3


def test_history_round_trips_and_resumes_epoch_numbers():
    model, loss_fn, opt, x, y = _setup()
    history = fit(model, loss_fn, opt, (x, y), epochs=2, log=lambda _: None)
    restored = History.from_dict(history.to_dict())
    lines: list[str] = []
    fit(model, loss_fn, opt, (x, y), epochs=2, history=restored, log=lines.append)
    assert restored.epochs == 4 and lines[0].startswith("epoch    3")


@pytest.mark.parametrize(
    "kwargs, message",
    [({"epochs": -1}, "epochs"), ({"epochs": 1, "log_every": 0}, "log_every")],
)
def test_bad_arguments(kwargs, message):
    model, loss_fn, opt, x, y = _setup()
    with pytest.raises(ValueError, match=message):
        fit(model, loss_fn, opt, (x, y), **kwargs)


def test_empty_data_is_a_clear_error():
    model, loss_fn, opt, _, _ = _setup()
    with pytest.raises(ValueError, match="no batches"):
        fit(model, loss_fn, opt, [], epochs=1)


def test_a_generator_for_several_epochs_is_refused_before_training():
    model, loss_fn, opt, x, y = _setup()
    before = model.state_dict()
    batches = ((x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16))
    with pytest.raises(TypeError, match=r"fit: train_data is a one-shot iterator \(generator\)"):
        fit(model, loss_fn, opt, batches, epochs=2, log=lambda _: None)
    assert all((before[k] == v).all() for k, v in model.state_dict().items())
    # One epoch over a generator is fine: it is iterated once.
    history = fit(model, loss_fn, opt, iter([(x, y)]), epochs=1, log=lambda _: None)
    assert history.epochs == 1
