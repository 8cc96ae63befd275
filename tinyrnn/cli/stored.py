"""Reading back what `tinyrnn train` stored: the model description, and the kept weights."""

from __future__ import annotations

from typing import Any

from ..module import Module
from ..serialization import load
from ..training import read_extra
from .files import CLIError
from .models import build_model


def read_stored(path: str, task: str | None = None, command: str = "") -> dict[str, Any]:
    """The `cli` entry of a checkpoint's extra ({"model", "data", "settings"}), checked; with
    `task`, a checkpoint of the other task is refused naming the command that fits it."""
    try:
        extra = read_extra(path)
    except FileNotFoundError:
        raise CLIError(f"no such checkpoint: {path}") from None
    except (OSError, ValueError) as error:
        raise CLIError(f"cannot read {path}: {error}") from None
    stored = extra.get("cli")
    if not isinstance(stored, dict) or not {"model", "data"} <= stored.keys():
        raise CLIError(f"{path} was not written by `tinyrnn train` (no model description)")
    found = stored["model"].get("task") if isinstance(stored["model"], dict) else None
    if task is not None and found != task:
        if found == "text":
            raise CLIError(f"{path} is a character model: {command} is for CSV models; "
                           "generate text with `tinyrnn sample`")  # fmt: skip
        raise CLIError(
            f"{path} is a CSV forecaster: use `tinyrnn forecast --checkpoint {path} --csv FILE "
            "--steps N` (or `tinyrnn evaluate`)"
        )
    return stored


def load_kept_model(path: str, stored: dict[str, Any]) -> tuple[Module, int]:
    """The model with the weights training kept -> (model, epoch of those weights).

    With early stopping, fit's checkpoint holds the last epoch's weights (so that --resume
    continues exactly) and, beside them, the best epoch's: those are the ones used."""
    model = build_model(stored["model"])
    try:
        info = load(path, model)
        fit_state = info["extra"].get("fit") or {}
        epochs = len(fit_state.get("history", {}).get("loss", []))
        stopping = fit_state.get("early_stopping") or {}
        if stopping.get("best_state") is not None:
            model.load_state_dict(stopping["best_state"])
            return model, int(stopping["best_epoch"])
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise CLIError(f"cannot load {path}: {error}") from None
    return model, epochs
