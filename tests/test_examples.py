"""The examples run end to end in their --fast mode (in-process, plus one as a real script)."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sine_forecasts_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    result = load_example("sine").main(["--fast", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "rollout of" in out and "test one-step MSE" in out
    assert result["epochs"] == 3 and np.isfinite(result["rollout_rmse"])
    # Even 3 epochs beat predicting 0 for a unit sine (MSE 0.5).
    assert result["test_mse"] < 0.5
    for name in ("sine_loss.png", "sine_forecast.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000


def test_char_rnn_learns_something_on_a_tiny_text(tmp_path, capsys):
    text = tmp_path / "tiny.txt"
    text.write_text("abcabcabd abcabcabd. " * 30, encoding="utf-8")
    result = load_example("char_rnn").main([str(text), "--fast"])
    out = capsys.readouterr().out
    assert "step 20, loss per char" in out and "step 40" in out
    assert result["steps"] == 40
    # Below the know-nothing loss ln(vocabulary size): the model has learned the pattern a bit.
    assert result["loss_per_char"] < result["uniform"] - 0.3
    assert result["uniform"] == pytest.approx(math.log(len(set(text.read_text()))))


def test_char_rnn_default_text_is_the_shipped_one(capsys):
    module = load_example("char_rnn")
    assert module.DEFAULT_TEXT.is_file() and module.DEFAULT_TEXT.stat().st_size > 4000
    result = module.main(["--fast"])
    capsys.readouterr()
    assert result["loss_per_char"] < result["uniform"]


def test_adding_reports_the_one_sixth_baseline(capsys):
    result = load_example("adding").main(["--fast", "--cells", "gru,rnn"])
    out = capsys.readouterr().out
    assert "baseline" in out and set(result) == {"baseline", "gru", "rnn"}
    assert abs(result["baseline"] - 1 / 6) < 0.03  # 1000 test sums: within a few standard errors
    assert all(np.isfinite(value) for value in result.values())


def test_adding_rejects_unknown_cells(capsys):
    with pytest.raises(SystemExit):
        load_example("adding").main(["--fast", "--cells", "transformer"])
    assert "unknown cell" in capsys.readouterr().err


def test_custom_data_beats_persistence_on_the_shipped_sunspots(tmp_path, capsys):
    result = load_example("custom_data").main(["--fast", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "309 rows YEAR 1700-2008" in out and "test (46 one-step forecasts, 1963-2008)" in out
    # Persistence on the last 46 years, computed from the file itself.
    values = np.loadtxt(EXAMPLES / "data" / "sunspots.csv", delimiter=",", skiprows=1)[:, 1]
    persistence = np.sqrt(np.mean((values[-46:] - values[-47:-1]) ** 2))
    assert result["persistence_rmse"] == pytest.approx(persistence)
    assert result["test_rmse"] < persistence  # even 4 epochs beat "next year as this year"
    assert "forecast: 2009: " in out and "2020: " in out
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "custom_data_forecast.png").read_bytes().startswith(b"\x89PNG")


def test_custom_data_on_another_csv_with_blanks(tmp_path, capsys):
    lines = ["date,reading,comment"] + [
        f"2024-01-{day:02d},{'' if day == 9 else 50 + 10 * np.sin(day / 3):.3f},x"
        if day != 9 else f"2024-01-{day:02d},,missing" for day in range(1, 32)
    ]  # fmt: skip
    path = tmp_path / "daily.csv"
    path.write_text("\n".join(lines) + "\n")
    module = load_example("custom_data")
    with pytest.raises(ValueError, match=r"column 'reading', line 10: missing value"):
        module.main(["--fast", "--csv", str(path), "--target", "reading", "--window", "5"])
    result = module.main(["--fast", "--csv", str(path), "--target", "reading", "--window", "5",
                          "--missing", "interpolate", "--out", str(tmp_path)])  # fmt: skip
    assert (
        np.isfinite(result["test_rmse"]) and "date 2024-01-01-2024-01-31" in capsys.readouterr().out
    )


def test_an_example_runs_as_a_script():
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "custom_data.py"), "--fast"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "persistence  RMSE" in result.stdout


def python_blocks(markdown: str) -> list[str]:
    blocks, inside, lines = [], False, []
    for line in markdown.splitlines():
        if not inside and line.strip() == "```python":
            inside, lines = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(lines))
        elif inside:
            lines.append(line)
    return blocks


def test_training_guide_code_runs(tmp_path, monkeypatch, capsys):
    guide = (EXAMPLES.parent / "docs" / "training.md").read_text(encoding="utf-8")
    blocks = python_blocks(guide)
    assert len(blocks) >= 7
    monkeypatch.chdir(tmp_path)  # the guide writes run.npz and sine.npz into the current folder
    # ...and reads examples/data/ from the repository's root, where a reader pastes it.
    shutil.copytree(EXAMPLES / "data", tmp_path / "examples" / "data")
    namespace: dict[str, object] = {"__name__": "training_guide"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/training.md block {number}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "loss per character" in out and "{'window': 30, 'period': 40}" in out
    assert "309 YEAR 1700 2008" in out
    model_rmse, persistence = map(float, re.findall(r"test RMSE (\S+), persistence (\S+)", out)[0])
    assert model_rmse < persistence
    assert (tmp_path / "run.npz").is_file() and (tmp_path / "sine.npz").is_file()


def test_seq2seq_trains_both_models_and_reports_exact_match(capsys):
    results = load_example("seq2seq").main(["--fast"])
    out = capsys.readouterr().out
    assert set(results) == {"without attention", "with attention"}
    for name, result in results.items():
        assert f"{name}: held-out exact match" in out
        assert 0.0 <= result["accuracy"] <= 1.0 and result["seconds"] > 0
        assert result["last_loss"] < result["first_loss"]  # two epochs already learn something


def test_seq2seq_task_and_scoring():
    module = load_example("seq2seq")
    data = module.reversal_task(50, 2, 6, np.random.default_rng(0))
    end, start = module.END, module.START
    for source, n, decoder_input, target in zip(*data.values(), strict=True):
        assert 2 <= n <= 6 and list(target[:n]) == list(source[:n][::-1])
        assert np.all(target[n:] == end) and decoder_input[0] == start
        np.testing.assert_array_equal(decoder_input[1:], target[:-1])
    target = np.array([[3, 1, end, end], [2, end, end, end]])
    answer = np.array([[3, 1, end, 7], [2, 5, end, end]])  # after the end: ignored; a wrong digit
    assert module.exact_match(answer, target) == 0.5


@pytest.mark.parametrize("attention", [False, True])
def test_seq2seq_gradient_reaches_the_encoder(attention, float64):
    """The example's backward (grad_h0 into the encoder's h_n, attention into its outputs)
    against central differences of its loss, on encoder and decoder weights."""
    import tinyrnn as tr

    module = load_example("seq2seq")
    rng = np.random.default_rng(1)
    data = module.reversal_task(3, 2, 4, rng)
    model = module.Seq2Seq(4, attention, rng)
    loss_fn = tr.CrossEntropyLoss()

    def loss() -> float:
        with tr.no_grad():
            return loss_fn(model(data["source"], data["lengths"], data["decoder_input"]),
                           data["target"])  # fmt: skip

    loss_fn(model(data["source"], data["lengths"], data["decoder_input"]), data["target"])
    model.backward(loss_fn.backward())
    for param in (model.encoder.cell.weight_hh, model.source_embedding.weight,
                  model.decoder.cell.weight_ih):  # fmt: skip
        assert np.any(param.grad != 0)
        for index in [(0, 0), (1, 2), (3, 1)]:
            original = param.data[index]
            param.data[index] = original + 1e-6
            plus = loss()
            param.data[index] = original - 1e-6
            minus = loss()
            param.data[index] = original
            assert param.grad[index] == pytest.approx((plus - minus) / 2e-6, abs=1e-8)
