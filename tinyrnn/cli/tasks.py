"""Turning `tinyrnn train`'s data options into datasets, a model config and stored metadata."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import ArrayDataset, CharVocab, DataLoader, TextDataset, sliding_windows
from ..losses import CrossEntropyLoss, Loss, MSELoss
from .files import CLIError, read_csv, read_text, select_columns
from .models import model_config


@dataclass
class Task:
    """What training needs besides the model: data, loss, and the metadata to store."""

    config: dict[str, Any]  # the architecture (models.build_model)
    data: dict[str, Any]  # vocab or column scaling: what sampling needs to encode/decode
    train: Any
    val: Any
    loss_fn: Loss


def text_task(args: argparse.Namespace) -> Task:
    """Characters in order, for stateful truncated BPTT: one-hot in, next-character logits out."""
    text = read_text(args.text)
    vocab = CharVocab(text)
    held_out = int(len(text) * args.val_fraction)
    train_text, val_text = text[: len(text) - held_out], text[len(text) - held_out :]

    def chunks(part: str, what: str) -> TextDataset:
        try:
            return TextDataset(part, args.batch_size, args.seq_len, vocab=vocab, one_hot=True)
        except ValueError as error:
            message = f"the {what} text ({len(part)} characters) is too short: {error}"
            raise CLIError(message) from None

    train = chunks(train_text, "training")
    val = chunks(val_text, "validation") if held_out else None
    config = model_config("text", args.cell, len(vocab), args.hidden_size, args.layers, len(vocab))
    data = {"vocab": vocab.to_dict(), "prime": text[0]}
    return Task(config, data, train, val, CrossEntropyLoss())


def series_task(args: argparse.Namespace, rng: np.random.Generator) -> Task:
    """Windows of standardised columns -> the next row's target columns (MSE)."""
    names, values = read_csv(args.csv)
    inputs = select_columns(args.input_columns, names, "--input-columns")
    targets = select_columns(args.target_columns or args.input_columns, names, "--target-columns")
    rows, window = len(values), args.window
    held_out = int(rows * args.val_fraction)
    if rows - held_out <= window:
        raise CLIError(
            f"{args.csv} has {rows} rows ({rows - held_out} for training): too few for "
            f"--window {window}; a window needs at least one following row"
        )
    # Standardise with the training rows' statistics only (the held-out rows stay unseen).
    mean, std = values[: rows - held_out].mean(axis=0), values[: rows - held_out].std(axis=0)
    std[std == 0] = 1.0
    scaled = ((values - mean) / std).astype(np.float32)
    x, _ = sliding_windows(scaled[:, inputs], window)  # window i: rows i .. i + window - 1
    y = scaled[window:][:, targets]  # its target: row i + window
    split = rows - held_out - window
    train = DataLoader(ArrayDataset(x[:split], y[:split]), args.batch_size, shuffle=True, rng=rng)
    val = (x[split:], y[split:]) if held_out else None
    config = model_config(
        "series", args.cell, len(inputs), args.hidden_size, args.layers, len(targets)
    )
    data = {
        "columns": names,
        "inputs": inputs,
        "targets": targets,
        "mean": mean.tolist(),
        "std": std.tolist(),
        "window": window,
        "last_window": values[-window:][:, inputs].tolist(),
    }
    return Task(config, data, train, val, MSELoss())
