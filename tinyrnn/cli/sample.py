"""`tinyrnn sample`: rebuild a `tinyrnn train` model from its checkpoint and generate."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from ..data import CharVocab
from ..module import Module
from ..sampling import evaluating, rollout, sample
from ..serialization import load
from ..training import read_extra
from .files import CLIError, read_csv
from .models import build_model


def run_sample(args: argparse.Namespace) -> int:
    """Print generated text (character model) or a forecast as CSV (series model)."""
    if args.length < 0:
        raise CLIError(f"--length must be >= 0, got {args.length}")
    stored = _stored(args.checkpoint)
    model = build_model(stored["model"])
    try:
        load(args.checkpoint, model)
    except (OSError, ValueError) as error:
        raise CLIError(f"cannot load {args.checkpoint}: {error}") from None
    if stored["model"]["task"] == "text":
        print(_text(model, stored["data"], args))
    else:
        print(_forecast(model, stored["data"], args))
    return 0


def _stored(path: str) -> dict[str, Any]:
    try:
        extra = read_extra(path)
    except FileNotFoundError:
        raise CLIError(f"no such checkpoint: {path}") from None
    except (OSError, ValueError) as error:
        raise CLIError(f"cannot read {path}: {error}") from None
    stored = extra.get("cli")
    if not isinstance(stored, dict) or not {"model", "data"} <= stored.keys():
        raise CLIError(f"{path} was not written by `tinyrnn train` (no model description)")
    return stored


def _text(model: Module, data: dict[str, Any], args: argparse.Namespace) -> str:
    vocab = CharVocab.from_dict(data["vocab"])
    prime = data["prime"] if args.prime is None else args.prime
    if not prime:
        raise CLIError("--prime must not be empty")
    unknown = sorted(set(prime) - set(vocab.chars))
    if unknown:
        raise CLIError(
            f"--prime has characters the model never saw: {''.join(unknown)!r} "
            f"(it knows {''.join(vocab.chars)!r})"
        )
    if not args.temperature > 0:
        raise CLIError(f"--temperature must be > 0, got {args.temperature}")
    rng = np.random.default_rng(args.seed)
    return sample(model, vocab, prime, args.length, args.temperature, rng)


def _forecast(model: Module, data: dict[str, Any], args: argparse.Namespace) -> str:
    inputs, targets, window = data["inputs"], data["targets"], data["window"]
    names = data["columns"]
    mean, std = np.asarray(data["mean"]), np.asarray(data["std"])
    if args.csv is None:
        recent = np.asarray(data["last_window"], dtype=np.float64)
    else:
        csv_names, values = read_csv(args.csv)
        if len(csv_names) != len(names) or (csv_names != names and not csv_names[0].isdigit()):
            raise CLIError(f"{args.csv}: expected the training columns {', '.join(names)}")
        if len(values) < window:
            raise CLIError(f"{args.csv}: {len(values)} rows, the model needs {window}")
        recent = values[-window:][:, inputs]
    # C order: a column selection of a row slice can come out in Fortran order.
    start = np.ascontiguousarray((recent - mean[inputs]) / std[inputs], dtype=np.float32)
    header = "step," + ",".join(names[i] for i in targets)
    if inputs == targets:
        predicted = rollout(model, start, args.length)
    else:
        # Each prediction cannot be fed back (it lacks some input columns): one step only.
        print("(the model predicts other columns than it reads: one step ahead only)",
              file=sys.stderr)  # fmt: skip
        predicted = _one_step(model, start)
    values = predicted * std[targets] + mean[targets]
    lines = [header] + [
        f"{step}," + ",".join(f"{v:.6g}" for v in row) for step, row in enumerate(values, 1)
    ]
    return "\n".join(lines)


def _one_step(model: Module, start: np.ndarray) -> np.ndarray:
    with evaluating(model, stateful=False):
        return np.asarray(model(start[None]))
