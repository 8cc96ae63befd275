"""`tinyrnn train --csv`, `evaluate`, `forecast`: columns, scaling, splits, honest errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.cli import main
from tinyrnn.cli.models import build_model
from tinyrnn.training import read_extra

ROWS, WINDOW = 120, 8
SUNSPOTS = Path(__file__).resolve().parents[1] / "examples" / "data" / "sunspots.csv"


def series_values() -> np.ndarray:
    t = np.arange(ROWS)
    noise = np.random.default_rng(0).normal(0, 5, ROWS)
    return np.round(1000 + 80 * np.sin(2 * np.pi * t / 12) + noise, 2)  # values near 1,000


@pytest.fixture
def csv_file(tmp_path):
    values = series_values()
    notes = ["ok", "fine", '"text, quoted"']  # a text column, with a delimiter inside quotes
    lines = ["year,value,other,note"] + [
        f"{1900 + i},{v},{i % 7},{notes[i % 3]}" for i, v in enumerate(values)
    ]
    path = tmp_path / "series.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


SMALL = ("--window", WINDOW, "--hidden-size", 8, "--epochs", 3, "--cell", "gru")


def train(capsys, csv_file, checkpoint, *more) -> str:
    code, out, err = run(
        capsys, "train", "--csv", csv_file, "--target", "value", *SMALL, "--checkpoint",
        checkpoint, *more
    )  # fmt: skip
    assert code == 0, err
    return out


def figure(out: str, label: str) -> float:
    return float(re.search(rf"^{re.escape(label)}: (\S+)$", out, re.M).group(1))


def kept_model(checkpoint):
    """The model rebuilt by hand from the checkpoint, with the early-stopping best weights."""
    extra = read_extra(checkpoint)
    model = build_model(extra["cli"]["model"])
    tr.load(checkpoint, model)
    best = extra["fit"]["early_stopping"]["best_state"]
    model.load_state_dict(best)
    return model, extra


def test_the_year_is_not_a_feature_and_losses_are_in_data_units(capsys, csv_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    out = train(capsys, csv_file, checkpoint)
    extra = read_extra(checkpoint)
    stored = extra["cli"]
    assert stored["data"]["csv"]["features"] == ["value"]
    assert stored["data"]["csv"]["time_column"] == "year"
    assert stored["model"]["input_size"] == 1 and stored["model"]["output_size"] == 1
    # Scaling: the training rows' own mean and (population) standard deviation.
    train_rows = series_values()[: ROWS - 2 * round(ROWS * 0.15)]
    scaler = stored["data"]["target_scaler"]
    assert scaler["mean"][0] == pytest.approx(train_rows.mean())
    assert scaler["scale"][0] == pytest.approx(train_rows.std())
    # Each epoch's figures are RMSEs in the value column's units: sqrt(standardised MSE) * std.
    # (after the figures, fit's epoch lines give the rate in parentheses)
    line = re.search(r"epoch +2 +RMSE (\S+) +val RMSE (\S+) +\([^)]*/s\) +\(value\)", out)
    history = extra["fit"]["history"]
    assert float(line.group(1)) == pytest.approx(np.sqrt(history["loss"][1]) * train_rows.std(),
                                                 rel=1e-5)  # fmt: skip
    assert float(line.group(2)) == pytest.approx(
        np.sqrt(history["val_loss"][1]) * train_rows.std(), rel=1e-5
    )
    assert "test: 18 one-step forecasts of value (year 2002 to 2019)" in out


def test_training_windows_never_reach_the_held_out_rows(csv_file):
    from tinyrnn.cli.parser import build_parser
    from tinyrnn.cli.series import series_task
    from tinyrnn.cli.train_options import resolve_defaults

    argv = ["train", "--csv", str(csv_file), "--target", "value", "--window", str(WINDOW)]
    args = build_parser().parse_args(argv)
    resolve_defaults(args, text=False)
    task = series_task(args, np.random.default_rng(0))
    values = series_values()
    scaled = (values - values[:84].mean()) / values[:84].std()
    x_train, y_train = task.train.dataset.arrays
    # Targets of the training windows: rows WINDOW..83; validation: rows 84..101, in order.
    np.testing.assert_allclose(y_train[:, 0], scaled[WINDOW:84], rtol=1e-5)
    np.testing.assert_allclose(x_train[0, :, 0], scaled[:WINDOW], rtol=1e-5)
    np.testing.assert_allclose(task.val[1][:, 0], scaled[84:102], rtol=1e-5)
    assert task.data["rows"] == {"train": 84, "validation": 18, "test": 18}


def test_evaluate_matches_a_computation_by_hand(capsys, csv_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    train(capsys, csv_file, checkpoint, "--epochs", "4")
    code, out, err = run(capsys, "evaluate", "--checkpoint", checkpoint, "--csv", csv_file,
                         "--period", "12")  # fmt: skip
    assert code == 0, err
    values = series_values()
    mean, std = values[:84].mean(), values[:84].std()
    # Test rows: the last 18 (102..119); the scaling comes from the 84 training rows.
    windows = np.stack([values[t - WINDOW : t] for t in range(102, ROWS)])[..., None]
    model, extra = kept_model(checkpoint)
    with tr.no_grad():
        predicted = np.asarray(model.eval()(((windows - mean) / std).astype(np.float32)))
    predicted = predicted[:, 0].astype(np.float64) * std + mean
    truth = values[102:]
    best = extra["fit"]["early_stopping"]["best_epoch"]
    assert f"weights of epoch {best}" in out
    assert figure(out, "model RMSE") == pytest.approx(np.sqrt(np.mean((predicted - truth) ** 2)),
                                                      rel=1e-4)  # fmt: skip
    assert figure(out, "model MAE") == pytest.approx(np.mean(np.abs(predicted - truth)), rel=1e-4)
    persistence = truth - values[101:-1]
    assert figure(out, "persistence RMSE") == pytest.approx(np.sqrt(np.mean(persistence**2)))
    assert figure(out, "persistence MAE") == pytest.approx(np.mean(np.abs(persistence)))
    seasonal = truth - values[90:-12]
    assert figure(out, "seasonal naive (period 12) RMSE") == pytest.approx(
        np.sqrt(np.mean(seasonal**2))
    )


def test_forecast_rolls_out_in_data_units_with_the_years_continued(capsys, csv_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    train(capsys, csv_file, checkpoint)
    code, out, err = run(capsys, "forecast", "--checkpoint", checkpoint, "--csv", csv_file,
                         "--steps", "3")  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "year,value" and [line.split(",")[0] for line in lines[1:]] == [
        "2020", "2021", "2022"]  # fmt: skip
    values = series_values()
    mean, std = values[:84].mean(), values[:84].std()
    model, _ = kept_model(checkpoint)
    start = ((values[-WINDOW:] - mean) / std).astype(np.float32)
    expected = tr.rollout(model, start, 3).astype(np.float64) * std + mean
    printed = [float(line.split(",")[1]) for line in lines[1:]]
    np.testing.assert_allclose(printed, expected, rtol=1e-5)


def test_forecast_plot(capsys, csv_file, tmp_path):
    pytest.importorskip("matplotlib")
    checkpoint, image = tmp_path / "c.npz", tmp_path / "f.png"
    train(capsys, csv_file, checkpoint)
    code, _, err = run(capsys, "forecast", "--checkpoint", checkpoint, "--csv", csv_file,
                       "--steps", "5", "--plot", image)  # fmt: skip
    assert code == 0 and "plot:" in err
    assert image.read_bytes().startswith(b"\x89PNG")


def test_other_feature_columns_forecast_one_step_only(capsys, csv_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    train(capsys, csv_file, checkpoint, "--features", "value,other")
    assert read_extra(checkpoint)["cli"]["model"]["input_size"] == 2
    base = ("forecast", "--checkpoint", checkpoint, "--csv", csv_file, "--steps")
    code, out, _ = run(capsys, *base, "1")
    assert code == 0 and out.splitlines()[0] == "year,value" and len(out.splitlines()) == 2
    code, _, err = run(capsys, *base, "2")
    assert code == 2 and "only --steps 1" in err


def test_blank_values_one_line_error_or_filled(capsys, csv_file, tmp_path):
    lines = csv_file.read_text().splitlines()
    lines[6] = lines[6].replace(f",{lines[6].split(',')[1]},", ",,", 1)  # line 7: value blank
    holes = tmp_path / "holes.csv"
    holes.write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, "train", "--csv", holes, "--target", "value", *SMALL,
                       "--checkpoint", tmp_path / "h.npz")  # fmt: skip
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "column 'value', line 7: missing value" in err and str(holes) in err
    for policy in ("drop", "ffill", "interpolate"):
        out = train(capsys, holes, tmp_path / f"{policy}.npz", "--missing", policy)
        assert "model RMSE" in out


def test_a_semicolon_file(capsys, csv_file, tmp_path):
    other = tmp_path / "semi.csv"
    other.write_text(csv_file.read_text().replace(",", ";"))
    out = train(capsys, other, tmp_path / "s.npz", "--delimiter", ";")
    assert "persistence RMSE" in out
    code, _, err = run(capsys, "train", "--csv", other, "--target", "value", "--checkpoint",
                       tmp_path / "x.npz")  # fmt: skip
    assert code == 2 and "no column 'value'" in err and "delimiter" not in err.split(":")[0]


def test_target_defaults_to_the_only_column_besides_the_year(capsys, tmp_path):
    path = tmp_path / "yearly.csv"
    path.write_text("year,v\n" + "".join(f"{1800 + i},{i % 5}\n" for i in range(60)))
    code, out, err = run(capsys, "train", "--csv", path, *SMALL, "--checkpoint", tmp_path / "y.npz")
    assert code == 0, err
    assert read_extra(tmp_path / "y.npz")["cli"]["data"]["csv"]["target"] == ["v"]


def test_a_headerless_file_by_column_number(capsys, tmp_path):
    path = tmp_path / "plain.csv"
    np.savetxt(path, np.random.default_rng(0).normal(size=(60, 2)), delimiter=",")
    code, _, err = run(capsys, "train", "--csv", path, "--target", "1", "--features", "0,1",
                       *SMALL, "--checkpoint", tmp_path / "p.npz")  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "forecast", "--checkpoint", tmp_path / "p.npz", "--csv", path,
                       "--steps", "1")  # fmt: skip
    assert code == 0 and out.splitlines()[0] == "step,1"


@pytest.mark.parametrize("patience", ["1", "100"])
def test_the_best_epoch_is_kept_and_said(capsys, csv_file, tmp_path, patience):
    checkpoint = tmp_path / "c.npz"
    out = train(capsys, csv_file, checkpoint, "--epochs", "12", "--patience", patience, "--lr",
                "0.2")  # fmt: skip
    extra = read_extra(checkpoint)
    history = extra["fit"]["history"]
    best, epochs = history["best_epoch"], len(history["loss"])
    assert np.argmin(history["val_loss"]) + 1 == best < epochs  # (a later epoch was worse)
    ended = "stopped early" if patience == "1" else "ran every epoch"
    assert f"kept epoch {best} of {epochs} (lowest validation loss; {ended})" in out
    # The figures printed after training are the kept epoch's, not the last one's.
    scale = extra["cli"]["data"]["target_scaler"]["scale"][0]
    kept_rmse = float(re.search(r"validation RMSE of the kept epoch: value (\S+)", out).group(1))
    assert kept_rmse == pytest.approx(np.sqrt(history["val_loss"][best - 1]) * scale, rel=1e-4)
    code, out, _ = run(capsys, "evaluate", "--checkpoint", checkpoint, "--csv", csv_file)
    assert code == 0 and f"weights of epoch {best})" in out


def test_same_seed_same_bytes(capsys, csv_file, tmp_path):
    paths = [tmp_path / f"{name}.npz" for name in ("a", "b", "c")]
    train(capsys, csv_file, paths[0])
    train(capsys, csv_file, paths[1])
    train(capsys, csv_file, paths[2], "--seed", "1")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_same_seed_same_bytes_for_text(capsys, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 20)
    for name in ("a", "b"):
        code, _, err = run(capsys, "train", "--text", text, "--epochs", "1", "--hidden-size", 6,
                           "--checkpoint", tmp_path / f"{name}.npz")  # fmt: skip
        assert code == 0, err
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_default_checkpoint_path_is_said_and_never_overwritten(capsys, csv_file, tmp_path,
                                                               monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    argv = ("train", "--csv", csv_file, "--target", "value", *SMALL)
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "no --checkpoint given: writing series.npz" in out
    assert (tmp_path / "series.npz").is_file()
    code, _, err = run(capsys, *argv)
    assert code == 2 and "series.npz exists" in err
    code, out, err = run(capsys, *argv, "--epochs", "5", "--resume")  # 3 epochs so far
    assert code == 0, err
    assert "epoch    4" in out and "epoch    1 " not in out


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"tinyrnn {tr.__version__}"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--text", "{text}", "--window", "5"], "--window does not apply to a --text"),
        (["train", "--text", "{text}", "--target", "a", "--missing", "drop"],
         "--target, --missing do not apply"),
        (["train", "--text", "{text}", "--delimiter", ";"], "--delimiter does not apply"),
        (["train", "--csv", "{csv}", "--target", "value", "--seq-len", "5"],
         "--seq-len does not apply to a --csv"),
        (["train", "--csv", "{csv}", "--target", "value", "--epochs", "0"],
         "--epochs must be >= 1"),
        (["train", "--csv", "{csv}", "--target", "value", "--val-fraction", "0", "--patience", "3"],
         "--patience needs validation data"),
        (["train", "--csv", "{csv}"], "--target: which column? "),
        (["train", "--csv", "{csv}", "--target", "note"],
         "column 'note', line 2: 'ok' is not a number"),
        (["train", "--csv", "{csv}", "--target", "value", "--delimiter", "ab"], "one character"),
        (["train", "--csv", "{csv}", "--target", "value", "--window", "90"], "too few"),
        (["train", "--csv", "{csv}", "--target", "value", "--test-fraction", "1"],
         "--test-fraction must be in [0, 1)"),
        (["sample", "--checkpoint", "{series}", "--prime", "a"], "is a CSV forecaster"),
        (["sample", "--checkpoint", "{series}", "--temperature", "2"], "tinyrnn forecast"),
        (["sample", "--checkpoint", "{char}", "--csv", "{csv}"], "--csv does not apply"),
        (["evaluate", "--checkpoint", "{char}", "--csv", "{csv}"], "is a character model"),
        (["forecast", "--checkpoint", "{char}", "--csv", "{csv}", "--steps", "2"],
         "is a character model"),
        (["forecast", "--checkpoint", "{series}", "--csv", "{csv}", "--steps", "0"], "--steps"),
        (["evaluate", "--checkpoint", "{series}", "--csv", "{csv}", "--period", "0"], "--period"),
        (["evaluate", "--checkpoint", "{series}", "--csv", "{short}"], "no test rows"),
        (["evaluate", "--checkpoint", "{series}", "--csv", "{tmp}/none.csv"], "no such file"),
        (["train", "--csv", "{csv}", "--target", "value", *map(str, SMALL), "--checkpoint",
          "{series}", "--resume", "--epochs", "2"], "already ran 3 epochs; --epochs is the total"),
        (["evaluate", "--checkpoint", "{tmp}/none.npz", "--csv", "{csv}"], "no such checkpoint"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_and_exit_2(capsys, csv_file, tmp_path, argv, message):
    text = tmp_path / "t.txt"
    text.write_text("abcabc " * 40)
    char, series, short = tmp_path / "char.npz", tmp_path / "series.npz", tmp_path / "short.csv"
    if "{char}" in argv:
        assert run(capsys, "train", "--text", text, "--epochs", "1", "--hidden-size", "4",
                   "--checkpoint", char)[0] == 0  # fmt: skip
    if "{series}" in argv:
        train(capsys, csv_file, series)
        short.write_text("\n".join(csv_file.read_text().splitlines()[:60]) + "\n")
    names = {"tmp": tmp_path, "text": text, "csv": csv_file, "char": char, "series": series,
             "short": short}  # fmt: skip
    capsys.readouterr()
    code, _, err = run(capsys, *(arg.format(**names) for arg in argv))
    assert code == 2, err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"tinyrnn {argv[0]}: error:")


def test_sunspots_beat_persistence(capsys, tmp_path):
    """The issue's bar: a GRU trained through the CLI on a real yearly series (sunspots,
    1700-2008) beats the persistence forecast's test RMSE by a clear margin."""
    checkpoint = tmp_path / "sun.npz"
    code, out, err = run(
        capsys, "train", "--csv", SUNSPOTS, "--target", "SUNACTIVITY", "--window", "20",
        "--cell", "gru", "--hidden-size", "16", "--epochs", "40", "--patience", "10",
        "--checkpoint", checkpoint
    )  # fmt: skip
    assert code == 0, err
    assert "test: 46 one-step forecasts of SUNACTIVITY (YEAR 1963 to 2008)" in out
    assert figure(out, "model RMSE") < 0.75 * figure(out, "persistence RMSE")


def test_several_targets_are_reported_column_by_column(capsys, csv_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    out = train(capsys, csv_file, checkpoint, "--target", "value,other")
    assert "losses: mean squared error of the standardised targets" in out
    assert re.search(r"^epoch +1 +loss \S+ +val_loss \S+ +\([^)]*/s\)$", out, re.M)
    assert read_extra(checkpoint)["cli"]["model"]["output_size"] == 2
    code, out, _ = run(capsys, "evaluate", "--checkpoint", checkpoint, "--csv", csv_file)
    assert code == 0 and re.search(r"^persistence RMSE: value \S+, other \S+$", out, re.M)
    code, out, _ = run(capsys, "forecast", "--checkpoint", checkpoint, "--csv", csv_file,
                       "--steps", "2")  # fmt: skip
    assert code == 0 and out.splitlines()[0] == "year,value,other" and len(out.splitlines()) == 3


def test_forecast_plot_without_matplotlib_is_one_line(capsys, csv_file, tmp_path, monkeypatch):
    checkpoint = tmp_path / "c.npz"
    train(capsys, csv_file, checkpoint)
    import sys

    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code, out, err = run(capsys, "forecast", "--checkpoint", checkpoint, "--csv", csv_file,
                         "--steps", "2", "--plot", tmp_path / "f.png")  # fmt: skip
    assert code == 2 and "--plot needs matplotlib" in err and len(err.strip().splitlines()) == 1


def test_no_time_column(capsys, csv_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    out = train(capsys, csv_file, checkpoint, "--time-column", "none")
    assert read_extra(checkpoint)["cli"]["data"]["csv"]["time_column"] is None
    assert "(line 104 to line 121)" in out  # the test rows named by their lines in the file
    code, out, _ = run(capsys, "forecast", "--checkpoint", checkpoint, "--csv", csv_file,
                       "--steps", "2")  # fmt: skip
    assert code == 0 and out.splitlines()[0] == "step,value"
