"""`tinyrnn train`: build the data and model from the options, fit, checkpoint, report."""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from .._config import seed
from ..data import CharVocab, rmse
from ..sampling import sample
from ..training import NonFiniteLossError, fit
from .evaluate import predict, test_report
from .files import CLIError, check_checkpoint_path, default_checkpoint
from .models import build_model, build_optimizer
from .resume import check_resumable
from .series import series_task
from .stored import load_kept_model
from .tasks import text_task
from .train_options import check_options, resolve_defaults
from .units import data_units_log

# Settings that must not change when a run is resumed (the rest, like --epochs, may).
_FIXED = ("optimizer", "lr", "batch_size", "seq_len", "clip", "val_fraction", "patience", "seed")


def run_train(args: argparse.Namespace) -> int:
    """Train as the options say; returns the exit status."""
    text = args.text is not None
    check_options(args, text)
    resolve_defaults(args, text)
    checkpoint = _checkpoint(args)
    # The library's default generator is stored in fit's checkpoints: seeded, the same command
    # writes the same bytes.
    seed(args.seed)
    rng = np.random.default_rng(args.seed)
    task = text_task(args) if text else series_task(args, rng)
    settings = {key: getattr(args, key) for key in _FIXED}
    stored = {"model": task.config, "data": task.data, "settings": settings}
    if args.resume:
        check_resumable(checkpoint, stored, args.epochs)
    model = build_model(task.config, rng)
    optimizer = build_optimizer(args.optimizer, model, args.lr)
    what = args.csv
    if text:
        what = f"{args.text} ({len(task.data['vocab']['chars'])} distinct characters)"
    print(f"training a {args.cell} model ({args.hidden_size} hidden x {args.layers}) on {what}")
    try:
        history = fit(
            model,
            task.loss_fn,
            optimizer,
            task.train,
            epochs=args.epochs,
            val_data=task.val,
            clip_grad_norm=args.clip or None,
            log_every=args.log_every,
            early_stopping_patience=args.patience,
            log=print if text else _series_log(task.data),
            checkpoint_path=checkpoint,
            checkpoint_every=args.checkpoint_every,
            checkpoint_extra={"cli": stored},
            resume_from=checkpoint if args.resume else None,
        )
    except NonFiniteLossError as error:
        raise CLIError(f"{error} (try a smaller --lr, or --clip)") from None
    except ValueError as error:
        raise CLIError(str(error)) from None
    model, kept = load_kept_model(checkpoint, stored)
    print(f"checkpoint: {checkpoint} ({history.epochs} epochs)")
    if args.patience is not None:
        ended = "stopped early" if history.stopped_early else "ran every epoch"
        print(f"kept epoch {kept} of {history.epochs} (lowest validation loss; {ended})")
    if text:
        vocab = CharVocab.from_dict(task.data["vocab"])
        print("sample:\n" + sample(model, vocab, task.data["prime"], 200, rng=rng))
        return 0
    _series_report(model, task, args)
    return 0


def _checkpoint(args: argparse.Namespace) -> str:
    """--checkpoint, or the default path (said aloud; an existing file is not overwritten)."""
    path = args.checkpoint
    if path is None:
        path = default_checkpoint(args.text or args.csv)
        if os.path.exists(path) and not args.resume:
            raise CLIError(f"no --checkpoint given and {path} exists: name a --checkpoint "
                           "(or add --resume to continue that run)")  # fmt: skip
        print(f"no --checkpoint given: writing {path}")
    check_checkpoint_path(path)
    args.checkpoint = path  # for the hint printed on Ctrl-C
    if args.resume and not os.path.exists(path):
        raise CLIError(f"--resume: no checkpoint at {path}")
    return path


def _series_log(data: dict[str, Any]) -> Any:
    targets = data["csv"]["target"]
    if len(targets) == 1:
        return data_units_log(targets[0], float(data["target_scaler"]["scale"][0]))
    print("losses: mean squared error of the standardised targets (their units differ)")
    return print


def _series_report(model: Any, task: Any, args: argparse.Namespace) -> None:
    """The kept model's validation error and test report, in the data's units."""
    scaled, data = task.scaled, task.data
    if task.val is not None:
        predicted = predict(model, task.val[0], scaled)
        truth = scaled.targets.inverse_transform(np.asarray(task.val[1], dtype=np.float64))
        names = data["csv"]["target"]
        errors = [rmse(predicted[:, k], truth[:, k]) for k in range(len(names))]
        shown = ", ".join(f"{n} {e:.6g}" for n, e in zip(names, errors, strict=True))
        print(f"validation RMSE of the kept epoch: {shown} ({len(truth)} rows)")
    if data["rows"]["test"]:
        for line in test_report(model, scaled, data, args.period):
            print(line)
    else:
        print("no test rows (--test-fraction 0): `tinyrnn evaluate` needs a file with newer rows")
