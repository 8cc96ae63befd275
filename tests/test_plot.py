"""Plots: PNG files are written, bad input is rejected, a missing matplotlib gives the hint."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinyrnn.plot import plot_history, plot_series

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5000


@pytest.mark.parametrize(
    "history",
    [
        [1.0, 0.5, 0.25, 0.2],
        np.exp(-np.arange(200) / 20.0),
        {"train": [3.0, 2.0, 1.0], "validation": [3.5, 2.5, 1.8], "skipped": None},
    ],
)
def test_plot_history_writes_png(tmp_path, history):
    path = tmp_path / "loss.png"
    assert plot_history(history, path) == path
    assert_png(path)


def test_plot_history_reads_fit_history(tmp_path):
    from tinyrnn.plot import _curves

    training = pytest.importorskip("tinyrnn.training")
    history = training.History(loss=[1.0, 0.5], val_loss=[1.2, 0.7], lr=[0.1, 0.1])
    for form in (history, history.to_dict()):
        curves = _curves(form)
        assert list(curves) == ["train", "validation"]  # not the learning rate
        np.testing.assert_array_equal(curves["validation"], [1.2, 0.7])
    assert list(_curves(training.History(loss=[1.0], val_loss=[]))) == ["train"]
    assert_png(plot_history(history, tmp_path / "fit.png"))


def test_plot_history_other_forms_and_log_scale(tmp_path):
    class KerasLike:
        history = {"loss": [1.0, 0.1, 0.01]}

    assert_png(plot_history(KerasLike(), tmp_path / "a.png", log_y=True, title="x"))
    assert_png(plot_history({"mine": [1.0, -1.0], "yours": [2.0]}, str(tmp_path / "b.png")))


@pytest.mark.parametrize("features", [None, 1, 3])
def test_plot_series_writes_png(tmp_path, features):
    t = np.arange(120)
    truth = np.sin(t / 8.0)[:, None] * np.arange(1, (features or 1) + 1)
    if features is None:
        truth = truth[:, 0]
    path = plot_series(truth, truth[40:] + 0.05, tmp_path / "series.png", prediction_start=40)
    assert_png(path)


def test_plot_errors(tmp_path):
    with pytest.raises(ValueError, match="no values"):
        plot_history([], tmp_path / "x.png")
    with pytest.raises(ValueError, match="1-D"):
        plot_history({"train": np.zeros((2, 2))}, tmp_path / "x.png")
    with pytest.raises(TypeError, match="sequence of losses"):
        plot_history(3.0, tmp_path / "x.png")
    with pytest.raises(ValueError, match="truth has 2 features, prediction has 3"):
        plot_series(np.zeros((5, 2)), np.zeros((5, 3)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="1 labels for 2 features"):
        plot_series(np.zeros((5, 2)), np.zeros((5, 2)), tmp_path / "x.png", labels=["a"])
    with pytest.raises(ValueError, match=r"\(time,\) or \(time, features\)"):
        plot_series(np.zeros((5, 2, 1)), np.zeros(5), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_missing_matplotlib_gives_install_hint(tmp_path, monkeypatch):
    # A None entry in sys.modules makes `import` of that name raise ImportError.
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(
        ImportError, match=r"pip install matplotlib .*pip install -e \"\.\[plot\]\""
    ):
        plot_history([1.0, 0.5], tmp_path / "loss.png")
    with pytest.raises(ImportError, match=r"needs matplotlib"):
        plot_series([0.0, 1.0], [1.0], tmp_path / "series.png")


def test_pyplot_and_its_backend_are_left_alone(tmp_path):
    # In a fresh interpreter: plotting must not import pyplot (which would pick a backend).
    code = (
        "import sys, tinyrnn.plot as p\n"
        f"p.plot_history([1.0, 0.5], {str(tmp_path / 'h.png')!r})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert_png(tmp_path / "h.png")
