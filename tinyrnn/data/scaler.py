"""StandardScaler: per-column standardisation fitted on training data, stored as plain lists."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_columns


class StandardScaler:
    """`StandardScaler().fit(train)`: learns each column's mean `mean_` and standard deviation
    `scale_` (a constant column gets scale 1); `transform(x) = (x - mean_) / scale_` and
    `inverse_transform` undoes it. x: (rows, features) or (rows,) for one feature."""

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, x: Any) -> StandardScaler:
        """Learn mean_ and scale_ (float64, one per column) from x; returns self."""
        values = self._as_2d(x, "fit", check=False).astype(np.float64)
        if len(values) == 0:
            raise ValueError("StandardScaler.fit: x has no rows")
        if not np.all(np.isfinite(values)):
            raise ValueError("StandardScaler.fit: x holds NaN or infinite values")
        self.mean_ = values.mean(axis=0)
        scale = values.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    def transform(self, x: Any) -> np.ndarray:
        """(x - mean_) / scale_, same shape; float input keeps its dtype, other -> float64."""
        values = self._as_2d(x, "transform")
        assert self.mean_ is not None and self.scale_ is not None
        return self._like(x, (values - self.mean_) / self.scale_)

    def inverse_transform(self, x: Any) -> np.ndarray:
        """x * scale_ + mean_: standardised values back in the data's units, same shape."""
        values = self._as_2d(x, "inverse_transform")
        assert self.mean_ is not None and self.scale_ is not None
        return self._like(x, values * self.scale_ + self.mean_)

    def fit_transform(self, x: Any) -> np.ndarray:
        """fit(x), then transform(x)."""
        return self.fit(x).transform(x)

    def to_dict(self) -> dict[str, list[float]]:
        """{"mean": [...], "scale": [...]}: JSON-able, e.g. for a checkpoint's `extra`."""
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("StandardScaler.to_dict: not fitted; call fit(train) first")
        return {"mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> StandardScaler:
        """The scaler `to_dict()` described (checked: equal lengths, finite, scale > 0)."""
        try:
            mean = np.asarray(state["mean"], dtype=np.float64)
            scale = np.asarray(state["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"StandardScaler.from_dict: unusable state: {error!r}") from None
        if mean.ndim != 1 or mean.shape != scale.shape or len(mean) == 0:
            raise ValueError(
                f"StandardScaler.from_dict: mean and scale must be equal-length lists, got "
                f"shapes {mean.shape} and {scale.shape}"
            )
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise ValueError("StandardScaler.from_dict: values must be finite and scale > 0")
        scaler = cls()
        scaler.mean_, scaler.scale_ = mean, scale
        return scaler

    def _as_2d(self, x: Any, method: str, check: bool = True) -> np.ndarray:
        values = as_columns(x, f"StandardScaler.{method}", "x", "rows")
        if check:
            if self.mean_ is None:
                raise ValueError(f"StandardScaler.{method}: not fitted; call fit(train) first")
            if values.shape[1] != len(self.mean_):
                raise ValueError(
                    f"StandardScaler.{method}: fitted on {len(self.mean_)} features, x has "
                    f"{values.shape[1]} (shape {np.shape(x)})"
                )
        return values

    @staticmethod
    def _like(x: Any, result: np.ndarray) -> np.ndarray:
        dtype = np.asarray(x).dtype
        out = result.astype(dtype if dtype.kind == "f" else np.float64, copy=False)
        return out.reshape(np.shape(x))

    def __repr__(self) -> str:
        fitted = "unfitted" if self.mean_ is None else f"{len(self.mean_)} features"
        return f"StandardScaler({fitted})"
