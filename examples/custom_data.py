"""Your own data: a CSV of a multivariate series -> windows -> train -> save -> load -> predict.

    python examples/custom_data.py                      # examples/data/sensors.csv, ~10 s
    python examples/custom_data.py --csv my_series.csv  # any numeric CSV with a header row
    python examples/custom_data.py --fast               # a couple of seconds (used by the tests)

examples/data/sensors.csv holds 30 days of hourly readings of three made-up sensors
(temperature, humidity, wind), written by `make_csv` below (--write-csv PATH makes a new one).
The model reads 24 hours of all columns and predicts the next hour's; it is saved with
`tinyrnn.save` (the column names and scaling go in the checkpoint's `extra`), loaded into a
freshly built model with `tinyrnn.load`, and both models' predictions are compared: identical.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import tinyrnn as tr
from tinyrnn.data import ArrayDataset, DataLoader, sliding_windows
from tinyrnn.training import evaluate, fit

DEFAULT_CSV = Path(__file__).parent / "data" / "sensors.csv"
WINDOW = 24


def make_csv(path: str | Path, hours: int = 720, seed: int = 0) -> None:
    """Write `hours` rows of three coupled synthetic sensor readings, with a header row."""
    rng = np.random.default_rng(seed)
    t = np.arange(hours + 3)
    daily = np.sin(2 * np.pi * (t - 9) / 24)  # warmest in the afternoon
    weather = np.cumsum(rng.normal(0, 0.15, t.size))  # slow random drift over days
    temperature = 14 + 5 * daily + weather + rng.normal(0, 0.3, t.size)
    humidity = 70 - 3 * (np.roll(temperature, 3) - 14) + rng.normal(0, 1.5, t.size)  # lags 3 h
    wind = 4 + 1.5 * np.sin(2 * np.pi * t / 37) + 0.5 * daily + rng.normal(0, 0.4, t.size)
    table = np.stack([temperature, humidity, wind], axis=1)[3:]
    np.savetxt(path, table, delimiter=",", fmt="%.2f", header="temperature,humidity,wind",
               comments="")  # fmt: skip


def load_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """A CSV with a header row -> (column names, (rows, columns) float array)."""
    table = np.genfromtxt(path, delimiter=",", names=True, dtype=np.float64)
    names = list(table.dtype.names)
    return names, np.stack([table[name] for name in names], axis=1)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", default=str(DEFAULT_CSV), help="numeric CSV with a header")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", metavar="PATH", help="keep the checkpoint here (.npz)")
    parser.add_argument("--write-csv", metavar="PATH", help="write a new sensors CSV and stop")
    parser.add_argument("--fast", action="store_true", help="tiny run for tests (seconds)")
    args = parser.parse_args(argv)
    if args.write_csv:
        make_csv(args.write_csv, seed=args.seed)
        print(f"wrote {args.write_csv}")
        return {}
    epochs = 2 if args.fast else args.epochs
    started = time.perf_counter()

    names, values = load_csv(args.csv)
    print(f"{args.csv}: {len(values)} rows, columns {names}")
    split = int(0.8 * len(values))
    mean, std = values[:split].mean(axis=0), values[:split].std(axis=0)  # training rows only
    scaled = ((values - mean) / std).astype(np.float32)
    x, y = sliding_windows(scaled, WINDOW)  # (n, 24, 3) -> (n, 1, 3): the next hour
    y = y[:, 0]
    n_train = split - WINDOW  # windows whose target row is still a training row
    rng = np.random.default_rng(args.seed)
    train = DataLoader(ArrayDataset(x[:n_train], y[:n_train]), 32, shuffle=True, rng=rng)
    test = (x[n_train:], y[n_train:])

    features = len(names)
    model = tr.Sequential(
        tr.GRU(features, 32, return_sequences=False, rng=rng), tr.Linear(32, features, rng=rng)
    )
    optimizer = tr.Adam(model.parameters(), lr=0.005)
    fit(model, tr.MSELoss(), optimizer, train, epochs=epochs, val_data=test, clip_grad_norm=1.0,
        log_every=5, progress=False)  # fmt: skip
    test_mse = evaluate(model, tr.MSELoss(), test)
    persistence = float(np.mean((test[0][:, -1] - test[1]) ** 2))  # "next hour = this hour"
    print(f"test MSE (standardised units): {test_mse:.4f}; repeating the last hour: "
          f"{persistence:.4f}")  # fmt: skip

    # Save everything needed to use the model later, then rebuild it from scratch and load.
    scratch = tempfile.TemporaryDirectory(prefix="tinyrnn-")  # removed at the end
    checkpoint = Path(args.save or Path(scratch.name) / "sensors.npz")
    extra = {"columns": names, "mean": mean.tolist(), "std": std.tolist(), "window": WINDOW}
    tr.save(checkpoint, model, optimizer, extra=extra)
    other = np.random.default_rng(12345)  # different initial weights, to show they are replaced
    fresh = tr.Sequential(
        tr.GRU(features, 32, return_sequences=False, rng=other), tr.Linear(32, features, rng=other)
    )
    info = tr.load(checkpoint, fresh)
    print(f"saved {checkpoint.name} ({checkpoint.stat().st_size} bytes), loaded into a new model")
    scratch.cleanup()
    with tr.no_grad():
        before, after = model.eval()(test[0]), fresh.eval()(test[0])
    identical = bool(np.array_equal(before, after))
    print(f"predictions of the {len(test[0])} test windows identical after loading: {identical}")

    # Use the loaded model: a 6-hour forecast from the last day, back in the CSV's units.
    mean_l, std_l = np.array(info["extra"]["mean"]), np.array(info["extra"]["std"])
    forecast = tr.rollout(fresh, scaled[-WINDOW:], 6) * std_l + mean_l
    print("\nnext 6 hours:  " + "  ".join(f"{name:>11}" for name in info["extra"]["columns"]))
    for hour, row in enumerate(forecast, 1):
        print(f"  +{hour} h        " + "  ".join(f"{value:11.2f}" for value in row))
    seconds = time.perf_counter() - started
    print(f"\ndone in {seconds:.1f} s")
    return {"test_mse": test_mse, "persistence_mse": persistence, "identical": float(identical),
            "seconds": seconds}  # fmt: skip


if __name__ == "__main__":
    main()
