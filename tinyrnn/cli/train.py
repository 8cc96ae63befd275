"""`tinyrnn train`: build the data and model from the options, fit, checkpoint, report."""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ..data import CharVocab
from ..sampling import sample
from ..training import fit, read_extra
from .files import CLIError, check_checkpoint_path
from .models import build_model, build_optimizer
from .tasks import series_task, text_task

# Settings that must not change when a run is resumed (the rest, like --epochs, may).
_FIXED = ("optimizer", "lr", "batch_size", "seq_len", "clip", "val_fraction", "seed")


def run_train(args: argparse.Namespace) -> int:
    """Train as the options say; returns the exit status."""
    text = args.text is not None
    args.batch_size = args.batch_size or (1 if text else 32)
    args.optimizer = args.optimizer or ("adagrad" if text else "adam")
    args.lr = args.lr if args.lr is not None else (0.1 if text else 0.01)
    _check_numbers(args)
    rng = np.random.default_rng(args.seed)
    task = text_task(args) if text else series_task(args, rng)
    settings = {key: getattr(args, key) for key in _FIXED}
    stored = {"model": task.config, "data": task.data, "settings": settings}
    if args.resume:
        _check_resumable(args.checkpoint, stored)
    model = build_model(task.config, rng)
    optimizer = build_optimizer(args.optimizer, model, args.lr)
    what = args.csv
    if text:
        what = f"{args.text} ({len(task.data['vocab']['chars'])} distinct characters)"
    print(f"training a {args.cell} model ({args.hidden_size} hidden x {args.layers}) on {what}")
    history = fit(
        model,
        task.loss_fn,
        optimizer,
        task.train,
        epochs=args.epochs,
        val_data=task.val,
        clip_grad_norm=args.clip or None,
        log_every=args.log_every,
        checkpoint_path=args.checkpoint,
        checkpoint_every=args.checkpoint_every if args.checkpoint else None,
        checkpoint_extra={"cli": stored} if args.checkpoint else None,
        resume_from=args.checkpoint if args.resume else None,
    )
    if history.loss:
        unit = "loss per character (nats)" if text else "mean squared error (standardised)"
        print(f"final {unit}: {history.loss[-1]:.4f}")
    if args.checkpoint:
        print(f"checkpoint: {args.checkpoint} (epoch {history.epochs})")
    if text:
        vocab = CharVocab.from_dict(task.data["vocab"])
        print("sample:\n" + sample(model, vocab, task.data["prime"], 200, rng=rng))
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    for option, value, low in (
        ("--epochs", args.epochs, 0),
        ("--batch-size", args.batch_size, 1),
        ("--seq-len", args.seq_len, 1),
        ("--window", args.window, 1),
        ("--checkpoint-every", args.checkpoint_every, 1),
        ("--log-every", args.log_every, 1),
    ):
        if value < low:
            raise CLIError(f"{option} must be >= {low}, got {value}")
    if not 0.0 <= args.val_fraction < 1.0:
        raise CLIError(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    if not args.clip >= 0:
        raise CLIError(f"--clip must be >= 0 (0 disables clipping), got {args.clip}")
    if args.resume and not args.checkpoint:
        raise CLIError("--resume needs --checkpoint PATH (the run to continue)")
    if args.checkpoint:
        check_checkpoint_path(args.checkpoint)
    if args.resume and not os.path.exists(args.checkpoint):
        raise CLIError(f"--resume: no checkpoint at {args.checkpoint}")


def _check_resumable(path: str, stored: dict[str, Any]) -> None:
    """The run in `path` was started by this same command (data, model and settings)."""
    try:
        saved = read_extra(path).get("cli")
    except (OSError, ValueError) as error:
        raise CLIError(f"--resume: cannot read {path}: {error}") from None
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
