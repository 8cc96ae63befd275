"""`tinyrnn train`'s options: refusing those of the other task, defaults, range checks."""

from __future__ import annotations

import argparse

from .files import CLIError
from .parser_train import CSV_ONLY, TEXT_ONLY


def check_options(args: argparse.Namespace, text: bool) -> None:
    """An option the chosen task would ignore is an error, never silently dropped."""
    foreign = CSV_ONLY if text else TEXT_ONLY
    given = [name for name in foreign if getattr(args, name) is not None]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        task = "a --text (character) model" if text else "a --csv (series) model"
        verb = "does" if len(given) == 1 else "do"
        raise CLIError(f"{options} {verb} not apply to {task}")


def resolve_defaults(args: argparse.Namespace, text: bool) -> None:
    """Fill the task-dependent defaults, then check every number's range."""
    args.batch_size = args.batch_size or (1 if text else 32)
    args.optimizer = args.optimizer or ("adagrad" if text else "adam")
    args.lr = args.lr if args.lr is not None else (0.1 if text else 0.01)
    if args.val_fraction is None:
        args.val_fraction = 0.0 if text else 0.15
    if args.patience is None and args.val_fraction > 0 and not text:
        args.patience = 20
    if text:
        args.seq_len = 25 if args.seq_len is None else args.seq_len
    else:
        args.window = 30 if args.window is None else args.window
        args.test_fraction = 0.15 if args.test_fraction is None else args.test_fraction
        delimiter = args.delimiter if args.delimiter is not None else ","
        args.delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
        if len(args.delimiter) != 1:
            raise CLIError(f"--delimiter must be one character, got {args.delimiter!r}")
    _check_numbers(args, text)


def _check_numbers(args: argparse.Namespace, text: bool) -> None:
    numbers = [
        ("--epochs", args.epochs, 1),
        ("--batch-size", args.batch_size, 1),
        ("--checkpoint-every", args.checkpoint_every, 1),
        ("--log-every", args.log_every, 1),
        ("--patience", args.patience, 0),
    ]
    numbers += [("--seq-len", args.seq_len, 1)] if text else [
        ("--window", args.window, 1), ("--period", args.period, 1)]  # fmt: skip
    for option, value, low in numbers:
        if value is not None and value < low:
            raise CLIError(f"{option} must be >= {low}, got {value}")
    fractions = [("--val-fraction", args.val_fraction)]
    fractions += [] if text else [("--test-fraction", args.test_fraction)]
    for option, fraction in fractions:
        if not 0.0 <= fraction < 1.0:
            raise CLIError(f"{option} must be in [0, 1), got {fraction}")
    if not args.clip >= 0:
        raise CLIError(f"--clip must be >= 0 (0 disables clipping), got {args.clip}")
    if args.patience is not None and args.val_fraction == 0:
        raise CLIError("--patience needs validation data (--val-fraction > 0)")
