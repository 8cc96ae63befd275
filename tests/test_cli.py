"""The `tinyrnn` command line: text train/sample round trips, resume, --help, clear errors.

The CSV commands (train, evaluate, forecast) are tested in tests/test_cli_series.py."""

from __future__ import annotations

import argparse
import subprocess
import sys

import numpy as np
import pytest

import tinyrnn as tr
from tinyrnn.cli import build_parser, main
from tinyrnn.cli.models import build_model
from tinyrnn.training import read_extra

TEXT = "hello world. the cat sat on the mat; a dog ran. " * 12


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def csv_file(tmp_path):
    t = np.arange(80)
    table = np.stack([np.sin(t / 4), np.cos(t / 4), 0.01 * t], axis=1)
    path = tmp_path / "series.csv"
    np.savetxt(path, table, delimiter=",", header="a,b,c", comments="", fmt="%.5f")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def train_text(capsys, text_file, checkpoint, *more):
    small = ("--hidden-size", "12", "--seq-len", "8", "--batch-size", "2", "--epochs", "2")
    code, out, err = run(
        capsys, "train", "--text", text_file, *small, "--checkpoint", checkpoint, *more
    )
    assert code == 0, err
    return out


def stored_model(checkpoint):
    model = build_model(read_extra(checkpoint)["cli"]["model"])
    tr.load(checkpoint, model)
    return model


def test_text_train_then_sample_round_trip(capsys, text_file, tmp_path):
    checkpoint = tmp_path / "char.npz"
    out = train_text(capsys, text_file, checkpoint)
    assert "epoch    2  loss" in out and "checkpoint:" in out and "sample:" in out
    stored = read_extra(checkpoint)["cli"]
    assert stored["data"]["vocab"]["chars"] == sorted(set(TEXT))
    assert stored["model"]["cell"] == "rnn" and stored["model"]["hidden_size"] == 12

    sample_args = ("sample", "--checkpoint", checkpoint, "--prime", "the ", "--length", "40")
    code, out, err = run(capsys, *sample_args, "--seed", "3")
    assert code == 0, err
    generated = out.rstrip("\n")
    assert generated.startswith("the ") and len(generated) == 44
    assert set(generated) <= set(TEXT)
    # The same seed gives the same text; the library call on the rebuilt model agrees.
    assert run(capsys, *sample_args, "--seed", "3")[1] == out
    vocab = tr.data.CharVocab(TEXT)
    expected = tr.sample(stored_model(checkpoint), vocab, "the ", 40, 1.0, np.random.default_rng(3))
    assert generated == expected


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_other_cells_and_layers(capsys, text_file, tmp_path, cell):
    checkpoint = tmp_path / f"{cell}.npz"
    train_text(
        capsys,
        text_file,
        checkpoint,
        "--cell",
        cell,
        "--layers",
        "2",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--val-fraction",
        "0.2",
    )
    model = stored_model(checkpoint)
    assert sum(isinstance(m, {"lstm": tr.LSTM, "gru": tr.GRU}[cell]) for m in model.modules()) == 2
    code, out, _ = run(capsys, "sample", "--checkpoint", checkpoint, "--length", "5")
    assert code == 0 and len(out.rstrip("\n")) == 6  # default prime: the text's first character


def test_resume_gives_the_same_weights_as_one_run(capsys, text_file, tmp_path):
    straight, resumed = tmp_path / "straight.npz", tmp_path / "resumed.npz"
    train_text(capsys, text_file, straight, "--epochs", "4")
    train_text(capsys, text_file, resumed, "--epochs", "2")
    out = train_text(capsys, text_file, resumed, "--epochs", "4", "--resume")
    assert "epoch    3" in out and "epoch    1 " not in out
    a, b = stored_model(straight).state_dict(), stored_model(resumed).state_dict()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    # Hidden options (help=SUPPRESS) exist only to be refused with a pointer elsewhere.
    return [
        a
        for a in parser._actions
        if a.option_strings and a.dest != "help" and a.help != argparse.SUPPRESS
    ]


def test_help_lists_and_explains_every_option(capsys):
    parser = build_parser()
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "tinyrnn train" in out and "tinyrnn sample" in out
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("train", "sample", "evaluate", "forecast", "demo"):
        code, out, _ = run(capsys, name, "--help")
        assert code == 0
        actions = _options(subparsers.choices[name])
        assert actions
        for action in actions:
            assert action.help, f"{name} {action.option_strings} has no help text"
            for option in action.option_strings:
                assert option in out, f"{option} missing from `tinyrnn {name} --help`"


def test_no_arguments_runs_the_demo(monkeypatch):
    import tinyrnn.demo

    calls = []
    monkeypatch.setattr(tinyrnn.demo, "run_demo", lambda *a, **k: calls.append((a, k)))
    assert main([]) == 0 and calls == [((), {})]
    assert main(["demo", "--epochs", "3", "--seed", "2"]) == 0
    assert calls[1] == ((), {"epochs": 3, "seed": 2})


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--text", "{tmp}/missing.txt"], "no such file"),
        (["train", "--csv", "{tmp}/missing.csv"], "no such file"),
        (["train", "--text", "{text}", "--resume", "--checkpoint", "{tmp}/x.npz"], "no checkpoint"),
        (["train", "--text", "{text}", "--checkpoint", "{tmp}/no/dir/c.npz"], "does not exist"),
        (["train", "--text", "{text}", "--seq-len", "0"], "--seq-len must be >= 1"),
        (["train", "--text", "{text}", "--batch-size", "900"], "too short"),
        (["train", "--text", "{text}", "--lr", "-1"], "--lr must be > 0"),
        (["train", "--text", "{text}", "--val-fraction", "1.5"], "--val-fraction"),
        (["train", "--csv", "{csv}", "--target", "a", "--window", "200"], "too few"),
        (["train", "--csv", "{csv}", "--target", "z"], "no column 'z'"),
        (["train", "--csv", "{text}"], "no data rows"),
        (["sample", "--checkpoint", "{tmp}/missing.npz"], "no such checkpoint"),
        (["sample", "--checkpoint", "{text}"], "cannot read"),
        (["sample", "--checkpoint", "{char}", "--prime", "xyzQ"], "never saw: 'Qxyz'"),
        (["sample", "--checkpoint", "{char}", "--temperature", "0"], "--temperature"),
        (["sample", "--checkpoint", "{char}", "--length", "-1"], "--length"),
        (["sample", "--checkpoint", "{plain}"], "not written by `tinyrnn train`"),
    ],
)
def test_errors_exit_2_with_a_message(capsys, text_file, csv_file, tmp_path, argv, message):
    char = tmp_path / "char.npz"
    plain = tmp_path / "plain.npz"
    if "{char}" in " ".join(argv):
        train_text(capsys, text_file, char, "--epochs", "1")
    model = tr.Sequential(tr.Linear(2, 2))
    tr.save(plain, model)
    names = {"tmp": tmp_path, "text": text_file, "csv": csv_file, "char": char, "plain": plain}
    code, _, err = run(capsys, *(arg.format(**names) for arg in argv))
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.startswith(f"tinyrnn {argv[0]}: error:")


@pytest.mark.parametrize(
    "argv", [["train"], ["train", "--text", "a", "--csv", "b"], ["train", "--cell", "xyz"], ["x"]]
)
def test_usage_errors_exit_2_in_one_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "error:" in err and "--help" in err
    assert len(err.strip().splitlines()) == 1


def test_resume_with_changed_settings_is_refused(capsys, text_file, tmp_path):
    checkpoint = tmp_path / "c.npz"
    train_text(capsys, text_file, checkpoint, "--epochs", "1")
    code, _, err = run(
        capsys,
        "train",
        "--text",
        text_file,
        "--hidden-size",
        "13",
        "--seq-len",
        "8",
        "--batch-size",
        "2",
        "--epochs",
        "2",
        "--checkpoint",
        checkpoint,
        "--resume",
    )
    assert code == 2 and "hidden_size" in err


def test_console_entry_point_as_a_subprocess(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tinyrnn", "sample", "--checkpoint", str(tmp_path / "none.npz")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "no such checkpoint" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_points_to_resume(capsys, text_file, tmp_path, monkeypatch):
    import tinyrnn.cli.train as train_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "fit", interrupted)
    checkpoint = tmp_path / "c.npz"
    code, _, err = run(capsys, "train", "--text", text_file, "--checkpoint", checkpoint)
    assert code == 130 and "--resume" in err and str(checkpoint) in err
