"""Progress reporting for `fit`: a tqdm bar on a terminal when tqdm is installed, else log lines."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def _tqdm_class() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class Progress:
    """One epoch bar (tqdm) or nothing; `log` prints a line either way without breaking the bar."""

    def __init__(
        self, total: int, initial: int, enabled: bool | None, log: Callable[[str], Any]
    ) -> None:
        tqdm = _tqdm_class()
        if enabled is None:
            # Automatic: a bar only where someone is watching a terminal.
            enabled = tqdm is not None and sys.stderr.isatty()
        elif enabled and tqdm is None:
            log("progress bar requested but tqdm is not installed (pip install tinyrnn[progress])")
            enabled = False
        self._bar = tqdm(total=total, initial=initial, unit="epoch") if enabled else None
        self._log = log

    def update(self, **postfix: float) -> None:
        """One epoch done; show its figures on the bar."""
        if self._bar is not None:
            self._bar.set_postfix({k: f"{v:.4g}" for k, v in postfix.items()})
            self._bar.update(1)

    def log(self, line: str) -> None:
        """Print a line (through the bar when there is one, so it is not garbled)."""
        if self._bar is not None and self._log is print:
            self._bar.write(line)
        else:
            self._log(line)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
