"""`tinyrnn train --resume`: the run in the checkpoint must be this command's, and unfinished."""

from __future__ import annotations

from typing import Any

from ..training import History, read_extra
from .files import CLIError


def check_resumable(path: str, stored: dict[str, Any], epochs: int) -> None:
    """Same data, model and settings as the stored run, and --epochs not below its epochs."""
    try:
        extra = read_extra(path)
    except (OSError, ValueError) as error:
        raise CLIError(f"--resume: cannot read {path}: {error}") from None
    saved = extra.get("cli")
    if not isinstance(saved, dict):
        raise CLIError(f"--resume: {path} was not written by `tinyrnn train`")
    for part in ("model", "data", "settings"):
        old, new = saved.get(part), stored[part]
        if old != new:
            old = old if isinstance(old, dict) else {}
            changed = sorted(key for key in new if old.get(key) != new[key])
            raise CLIError(
                f"--resume: {path} was trained with different {part} ({', '.join(changed)}); "
                "repeat the original command with --resume"
            )
    try:
        done = History.from_dict(extra["fit"]["history"])
    except (KeyError, TypeError, ValueError):
        raise CLIError(f"--resume: {path} holds no training history to continue") from None
    if epochs < done.epochs:
        raise CLIError(
            f"--resume: {path} already ran {done.epochs} epochs; --epochs is the total, so give "
            f"at least {done.epochs} (e.g. --epochs {done.epochs + 10})"
        )
