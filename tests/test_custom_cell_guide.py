"""The custom-layer guide: its code is the example's, the IndRNN cell is right, the example runs."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinyrnn

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "custom_layers.md"
EXAMPLE = ROOT / "examples" / "custom_cell.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("custom_cell_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_code_block_of_the_guide_is_in_the_example():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    source = EXAMPLE.read_text()
    assert len(blocks) >= 3
    for block in blocks:
        assert block in source, f"guide block not found verbatim in {EXAMPLE.name}:\n{block}"
    for name in ("class IndRNNCell", "def check_gradients", "def train"):
        assert any(name in block for block in blocks)


def test_forward_matches_the_formula(example, rng):
    cell = example.IndRNNCell(3, 4, dtype=np.float64, rng=rng)
    x_t, h_prev = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    w, u, b = cell.weight_ih.data, cell.weight_hh.data, cell.bias.data
    expected = np.maximum(0.0, np.einsum("hi,bi->bh", w, x_t) + b + u * h_prev)
    np.testing.assert_allclose(cell(x_t, h_prev), expected, atol=1e-15)
    assert cell.weight_hh.shape == (4,) and np.all((u >= 0) & (u < 1))


def test_the_guides_gradient_check_passes(example, capsys):
    assert example.check_gradients() < 1e-8
    assert "gradcheck passed" in capsys.readouterr().out


@pytest.mark.parametrize(("batch", "input_size", "hidden_size"), [(1, 1, 1), (3, 2, 5)])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradcheck_in_rnn_bidirectional_and_stacked(
    example, batch, input_size, hidden_size, return_sequences, rng
):
    def layer(i, h, **options):
        cell = example.IndRNNCell(i, h, dtype=np.float64, rng=rng)
        # The bias starts at 0: a unit whose input is all zeros (a dead relu below it) would
        # sit exactly on relu's kink, where finite differences are meaningless. Move it off.
        cell.bias.data[...] = rng.uniform(0.1, 0.5, h)
        return tinyrnn.RNN(cell=cell, **options)

    x = rng.standard_normal((batch, 4, input_size))
    h0 = rng.uniform(0.1, 1.0, (batch, hidden_size))
    tinyrnn.gradcheck(layer(input_size, hidden_size, return_sequences=return_sequences), x, h0)
    bidirectional = tinyrnn.Bidirectional(layer(input_size, hidden_size))
    tinyrnn.gradcheck(bidirectional, x, (h0, None))
    model = tinyrnn.stacked(layer, input_size, hidden_size, num_layers=2, return_sequences=False)
    tinyrnn.gradcheck(model, x)


def test_custom_cell_has_no_torch_twin(example):
    with pytest.raises(ValueError, match="no torch equivalent"):
        tinyrnn.interop.torch_parameter_names(tinyrnn.RNN(cell=example.IndRNNCell(2, 3)))


def test_fast_run_learns(example, capsys):
    result = example.main(["--fast"])
    losses = result["losses"]
    assert len(losses) == 30
    assert np.mean(losses[-5:]) < 0.2 * np.mean(losses[:5])
    assert "validation loss" in capsys.readouterr().out


def test_runs_as_a_script():
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--fast"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "gradcheck passed" in done.stdout and "validation loss" in done.stdout


@pytest.mark.slow
def test_full_run_beats_repeating_the_last_value(example):
    result = example.main([])
    assert result["validation"] < 0.5 * result["repeat_last"]
