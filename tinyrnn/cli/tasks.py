"""What `tinyrnn train` trains on (Task), and the text task (the CSV one: cli/series.py)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ..data import CharVocab, TextDataset
from ..losses import CrossEntropyLoss, Loss
from .files import CLIError, read_text
from .models import model_config


@dataclass
class Task:
    """What training needs besides the model: data, loss, and the metadata to store."""

    config: dict[str, Any]  # the architecture (models.build_model)
    data: dict[str, Any]  # vocab or column scaling: what sampling needs to encode/decode
    train: Any
    val: Any
    loss_fn: Loss
    scaled: Any = None  # a CSV task's standardised table and windows (cli/series.Scaled)


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
