"""Forecast a noisy sine wave: sliding windows -> RNN -> fit with validation -> rollout -> plots.

    python examples/sine.py            # about 5 s
    python examples/sine.py --fast     # about 3 s (used by the tests)

Times measured with one BLAS thread (`OPENBLAS_NUM_THREADS=1 python ...`; see "BLAS threads" in
docs/training.md) on a shared 2-core machine under load.

The series is sin(2 pi t / 40) plus Gaussian noise (sd 0.1). A model reads 30 steps and predicts
the next one; trained on the first 70% of the series, stopped early on the next 15%, and judged
on the last 15%: one step ahead, and 120 steps ahead by feeding its own predictions back in
(`tinyrnn.rollout`). The noise cannot be predicted, so the best possible one-step MSE against
the noisy series is the noise variance, 0.01. Plots go to --out (needs matplotlib).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import tinyrnn as tr
from tinyrnn.data import ArrayDataset, DataLoader, sine_wave, sliding_windows
from tinyrnn.optim import ReduceLROnPlateau
from tinyrnn.training import History, evaluate, fit

WINDOW, PERIOD, NOISE = 30, 40.0, 0.1


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="tiny run for tests (seconds)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "output"), help="plot folder")
    args = parser.parse_args(argv)
    epochs, length = (3, 600) if args.fast else (args.epochs, 2000)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)

    # Data: one long noisy series, cut into (30-step window -> next value) pairs, split in time.
    series = sine_wave(length, period=PERIOD, noise=NOISE, rng=rng)
    clean = sine_wave(length, period=PERIOD)
    x, y = sliding_windows(series, WINDOW)  # (n, 30, 1), (n, 1, 1)
    y = y[:, 0]  # the model predicts one vector (batch, 1)
    n_train, n_val = int(0.7 * len(x)), int(0.15 * len(x))
    train = DataLoader(ArrayDataset(x[:n_train], y[:n_train]), 32, shuffle=True, rng=rng)
    val = (x[n_train : n_train + n_val], y[n_train : n_train + n_val])
    test = (x[n_train + n_val :], y[n_train + n_val :])
    print(f"noisy sine, period {PERIOD:g}, noise sd {NOISE}: {len(x)} windows of {WINDOW} steps")
    print(f"train {n_train}, validation {n_val}, test {len(test[0])}")

    # Model: many-to-one RNN + linear read-out, Adam, early stopping on the validation loss.
    model = tr.Sequential(
        tr.RNN(1, 32, return_sequences=False, rng=rng),
        tr.Linear(32, 1, rng=rng),
    )
    loss_fn = tr.MSELoss()
    optimizer = tr.Adam(model.parameters(), lr=0.005)
    scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=2)  # halve lr on plateaus
    history = fit(
        model, loss_fn, optimizer, train, epochs=epochs, val_data=val, scheduler=scheduler,
        clip_grad_norm=1.0, early_stopping_patience=8, log_every=5, progress=False,
    )  # fmt: skip

    test_mse = evaluate(model, loss_fn, test)
    # Rollout: start from the first test window, predict 120 steps, compare with the clean wave.
    start = n_train + n_val  # window index: the window covers series[start : start + WINDOW]
    horizon = min(120, length - start - WINDOW)
    forecast = tr.rollout(model, series[start : start + WINDOW], horizon)
    truth = clean[start + WINDOW : start + WINDOW + horizon]
    rollout_rmse = float(np.sqrt(np.mean((forecast - truth) ** 2)))
    elapsed = time.perf_counter() - started
    print(f"\ntest one-step MSE {test_mse:.4f} (noise floor {NOISE**2:.4f}; predicting 0: 0.5)")
    print(f"rollout of {horizon} steps: RMSE {rollout_rmse:.3f} against the clean sine")
    print(f"trained {history.epochs} epochs in {elapsed:.1f} s")
    _plots(args.out, history, series[start : start + WINDOW + horizon], forecast)
    return {"test_mse": test_mse, "rollout_rmse": rollout_rmse, "epochs": history.epochs,
            "seconds": elapsed}  # fmt: skip


def _plots(out: str, history: History, shown: np.ndarray, forecast: np.ndarray) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("(matplotlib is not installed: no plots)")
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    loss_png = tr.plot.plot_history(
        history, folder / "sine_loss.png", title="Sine: loss (MSE)", log_y=True
    )
    forecast_png = tr.plot.plot_series(
        shown, forecast, folder / "sine_forecast.png", prediction_start=WINDOW,
        title=f"Sine: {len(forecast)}-step rollout from a {WINDOW}-step window",
    )  # fmt: skip
    print(f"plots: {loss_png}, {forecast_png}")


if __name__ == "__main__":
    main()
