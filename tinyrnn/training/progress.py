"""Progress reporting for `fit`, per batch: a tqdm bar, or plain lines every few seconds.

With `progress=None` (automatic) a bar is shown where someone watches it: a terminal, or a
Jupyter notebook (tqdm's auto mode picks the widget there). Anywhere else (output piped to a
file, a CI log, tqdm not installed) plain lines are printed instead: one whenever `interval`
seconds have passed since the last line, mid-epoch included, so a long epoch is never silent
for more than a few seconds, plus the epoch lines `fit` asks for every `log_every` epochs.
Every line carries the running loss and the rate in batches/s and samples/s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

_clock = time.monotonic  # seconds; replaced by tests with a fake clock


def _tqdm_class() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _in_notebook() -> bool:
    """True inside a Jupyter kernel where tqdm.auto chose its notebook widget."""
    try:
        from tqdm.autonotebook import tqdm as chosen
        from tqdm.std import tqdm as plain
    except ImportError:
        return False
    return chosen is not plain


class Progress:
    """Reports `fit`'s progress: `start_epoch`, `batch` after every step, `end_epoch`.

    `enabled`: True (a bar; plain lines if tqdm is missing), False (no bar, no mid-epoch lines;
    only the scheduled epoch lines), None (a bar on a terminal or in a notebook, else plain
    lines). `clock` (seconds, monotonic) and `bar_class` (tqdm-like) are injectable for tests.
    """

    def __init__(
        self,
        epochs: int,
        initial: int,
        enabled: bool | None,
        log: Callable[[str], Any],
        *,
        batches_per_epoch: int | None = None,
        interval: float = 5.0,
        clock: Callable[[], float] | None = None,
        bar_class: Any = None,
    ) -> None:
        tqdm = _tqdm_class() if bar_class is None else bar_class
        clock = _clock if clock is None else clock
        self.plain = enabled is None or bool(enabled)
        if enabled is None:
            enabled = tqdm is not None and (sys.stderr.isatty() or _in_notebook())
        elif enabled and tqdm is None:
            log('progress bar requested but tqdm is not installed (pip install -e ".[progress]")')
            enabled = False
        self.epochs, self.batches_per_epoch = epochs, batches_per_epoch
        self.interval, self._clock, self._log = interval, clock, log
        total = None if batches_per_epoch is None else (epochs - initial) * batches_per_epoch
        desc = f"epoch {initial + 1}/{epochs}"
        self._bar = tqdm(total=total, unit="batch", desc=desc) if enabled else None
        self.plain = self.plain and self._bar is None
        self._last_line = clock()
        self.start_epoch(initial)

    def start_epoch(self, epoch: int) -> None:
        """Reset the epoch's counters (batches, samples, loss sum and its start time)."""
        self.epoch, self.batches, self.samples, self._loss_sum = epoch, 0, 0, 0.0
        self._started, self._printed = self._clock(), False
        if self._bar is not None:
            self._bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)

    def batch(self, size: int, loss: float) -> None:
        """One training step done on `size` samples with this loss."""
        self.batches, self.samples = self.batches + 1, self.samples + size
        self._loss_sum += loss * size
        if self._bar is not None:
            self._bar.set_postfix_str(f"loss {self._loss_sum / self.samples:.4g}", refresh=False)
            self._bar.update(1)
        elif self.plain and self._clock() - self._last_line >= self.interval:
            of = "" if self.batches_per_epoch is None else f"/{self.batches_per_epoch}"
            mean = self._loss_sum / max(self.samples, 1)
            self.log(
                f"epoch {self.epoch}/{self.epochs}  batch {self.batches}{of}  "
                f"loss {mean:.6f}  ({self.rate()})"
            )
            self._printed = True

    def rate(self) -> str:
        """'12.5 batches/s, 400 samples/s' over the epoch so far."""
        elapsed = self._clock() - self._started
        if elapsed <= 0:
            return "rate unknown"
        return f"{self.batches / elapsed:.3g} batches/s, {self.samples / elapsed:.0f} samples/s"

    def end_epoch(self, figures: dict[str, float], scheduled: bool) -> None:
        """Show the epoch's figures; a line when `scheduled`, or in plain mode when the epoch
        printed mid-epoch lines or `interval` seconds passed since the last line."""
        if self._bar is not None:
            self._bar.set_postfix_str(
                "  ".join(f"{k} {v:.4g}" for k, v in figures.items()), refresh=False
            )
        late = self.plain and (self._printed or self._clock() - self._last_line >= self.interval)
        if scheduled or late:
            text = "  ".join(f"{k} {v:.6f}" for k, v in figures.items())
            self.log(f"epoch {self.epoch:4d}  {text}  ({self.rate()})")

    def log(self, line: str) -> None:
        """Print a line (through the bar when there is one, so it is not garbled)."""
        self._last_line = self._clock()
        if self._bar is not None and self._log is print:
            self._bar.write(line)
        else:
            self._log(line)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
