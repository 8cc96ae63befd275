"""Training plots saved to image files: loss curves and prediction-vs-truth series.

matplotlib is optional (`pip install -e ".[plot]"` in the checkout) and imported only when a
plot is made.
Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so plotting works without
a display and never changes the backend a user's own pyplot session has chosen.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_INSTALL_HINT = (
    "tinyrnn.plot needs matplotlib: pip install matplotlib "
    '(or, in the tinyrnn checkout, pip install -e ".[plot]")'
)


def _new_figure(rows: int = 1, height: float = 4.0) -> Any:
    """A matplotlib Figure attached to an Agg canvas (no pyplot, no global backend change)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    figure = Figure(figsize=(8.0, height * rows), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _curves(history: Any) -> dict[str, np.ndarray]:
    """A history -> {label: 1-D values} (see `plot_history` for the accepted forms)."""
    history = getattr(history, "history", history)  # Keras-style objects keep a mapping here
    if hasattr(history, "loss") and not isinstance(history, Mapping):
        history = {"loss": history.loss, "val_loss": getattr(history, "val_loss", None)}
    if isinstance(history, Mapping) and "loss" in history:
        # fit()'s History (or its to_dict()): only the losses, not e.g. the learning rate.
        items = [("train", history["loss"]), ("validation", history.get("val_loss"))]
    elif isinstance(history, Mapping):
        items = list(history.items())
    elif isinstance(history, (Sequence, np.ndarray)) and not isinstance(history, str):
        items = [("train", history)]
    else:
        raise TypeError(
            f"plot_history: expected a sequence of losses or a mapping name -> losses, "
            f"got {type(history).__name__}"
        )
    curves = {}
    for label, values in items:
        if values is None:
            continue  # e.g. {"val_loss": None} when there was no validation set
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 1:
            raise ValueError(f"plot_history: {label!r} must be 1-D, got shape {array.shape}")
        if array.size:
            curves[str(label)] = array
    if not curves:
        raise ValueError("plot_history: the history has no values to plot")
    return curves


def plot_history(
    history: Any,
    path: str | os.PathLike[str],
    *,
    title: str = "Training loss",
    log_y: bool | None = None,
) -> Path:
    """Loss curves, one value per epoch -> an image at `path` (PNG for .png); returns the path.

    `history` is the `History` that `fit` returns (its `loss` and `val_loss`), a sequence of
    training losses, or a mapping label -> losses such as `{"train": [...], "validation":
    [...]}` (None or empty entries are skipped; a mapping with a "loss" key is read like a
    History: "loss" and "val_loss" only). `log_y=None` uses a log scale when every value is
    positive and they span more than a decade.
    """
    curves = _curves(history)
    values = np.concatenate(list(curves.values()))
    finite = values[np.isfinite(values)]
    if log_y is None:
        log_y = bool(finite.size and finite.min() > 0 and finite.max() > 10 * finite.min())
    figure = _new_figure()
    axes = figure.add_subplot()
    for label, curve in curves.items():
        axes.plot(np.arange(1, curve.size + 1), curve, label=label, marker="." * (curve.size < 30))
    if log_y:
        axes.set_yscale("log")
    axes.set(title=title, xlabel="epoch", ylabel="loss")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _save(figure, path)


def plot_series(
    truth: Any,
    prediction: Any,
    path: str | os.PathLike[str],
    *,
    prediction_start: int = 0,
    title: str = "Prediction vs truth",
    labels: Sequence[str] | None = None,
) -> Path:
    """truth: (time,) or (time, features), prediction: (steps,) or (steps, features) -> image.

    One panel per feature. The prediction is drawn from time index `prediction_start` on (e.g.
    the end of the primer window of a `rollout`), so it lines up with the truth it predicts.
    `labels` names the features. Returns the path.
    """
    truth_2d = _as_2d(truth, "truth")
    prediction_2d = _as_2d(prediction, "prediction")
    features = truth_2d.shape[1]
    if prediction_2d.shape[1] != features:
        raise ValueError(
            f"plot_series: truth has {features} features, prediction has "
            f"{prediction_2d.shape[1]} (shapes {truth_2d.shape} and {prediction_2d.shape})"
        )
    if labels is not None and len(labels) != features:
        raise ValueError(f"plot_series: {len(labels)} labels for {features} features")
    figure = _new_figure(rows=features, height=3.0 if features > 1 else 4.0)
    all_axes = figure.subplots(features, 1, sharex=True, squeeze=False)[:, 0]
    steps = np.arange(prediction_2d.shape[0]) + prediction_start
    for feature, axes in enumerate(all_axes):
        axes.plot(truth_2d[:, feature], color="0.3", label="truth")
        axes.plot(steps, prediction_2d[:, feature], color="C1", linestyle="--", label="prediction")
        if prediction_start > 0:
            axes.axvline(prediction_start, color="0.6", linewidth=0.8)
        if labels is not None:
            axes.set_ylabel(labels[feature])
        else:
            axes.set_ylabel(f"feature {feature}" if features > 1 else "value")
        axes.grid(True, alpha=0.3)
    all_axes[0].set_title(title)
    all_axes[0].legend()
    all_axes[-1].set_xlabel("time step")
    return _save(figure, path)


def _as_2d(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(
            f"plot_series: expected {name} of shape (time,) or (time, features), got "
            f"{np.shape(values)}"
        )
    return array


def _save(figure: Any, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    figure.savefig(path, dpi=100)
    return path
