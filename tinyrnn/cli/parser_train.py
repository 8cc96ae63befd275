"""`tinyrnn train`'s options. Task-specific ones default to None, so that an option given for
the other task can be refused (cli/train.py) instead of silently ignored."""

from __future__ import annotations

import argparse

CELLS = ("rnn", "lstm", "gru")
OPTIMIZERS = ("sgd", "adam", "adagrad", "rmsprop")
MISSING = ("drop", "ffill", "interpolate")
# Options that only a --text run uses, and those only a --csv run uses.
TEXT_ONLY = ("seq_len",)
CSV_ONLY = (
    "target", "features", "time_column", "missing", "delimiter", "window", "test_fraction",
    "period",
)  # fmt: skip


def add_train(
    commands: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]
) -> None:
    train = commands.add_parser(
        "train",
        help="train a model on a text file or a CSV series",
        description="Train a character model (--text) or a one-step-ahead forecaster of CSV "
        "columns (--csv). A CSV run splits the rows in time order (train, validation, test), "
        "standardises with the training rows' statistics, keeps the epoch with the lowest "
        "validation loss, and reports every error in the data's units. The checkpoint stores "
        "the architecture, the vocabulary or the scaling, so sample/evaluate/forecast can "
        "rebuild it.",
        formatter_class=formatter,
    )
    data = train.add_mutually_exclusive_group(required=True)
    data.add_argument("--text", metavar="FILE", help="UTF-8 text: train a character model")
    data.add_argument("--csv", metavar="FILE", help="CSV table (header optional): a forecaster")
    series = train.add_argument_group("CSV options")
    series.add_argument(
        "--target", metavar="COL[,COL...]", help="column(s) to forecast one step ahead (default: "
        "the only column besides a time column)"
    )  # fmt: skip
    series.add_argument(
        "--features", metavar="COL[,COL...]", help="columns the model reads (default: the target)"
    )
    series.add_argument(
        "--time-column", metavar="COL", help="the time/date/year column kept as the index "
        "(default: recognised by its name; 'none' for no index)"
    )  # fmt: skip
    series.add_argument("--missing", choices=MISSING, help="what to do with blank cells "
                        "(default: refuse them)")  # fmt: skip
    series.add_argument("--delimiter", metavar="D", help="field separator (default ','; '\\t' tab)")
    series.add_argument("--window", type=int, help="rows the model sees per forecast (default 30)")
    series.add_argument(
        "--test-fraction", type=float, help="share of rows held out for the test, the last ones "
        "(default 0.15)"
    )  # fmt: skip
    series.add_argument("--period", type=int, help="season length, for the seasonal baseline")
    model = train.add_argument_group("model")
    model.add_argument("--cell", choices=CELLS, default="rnn", help="recurrent cell type")
    model.add_argument("--hidden-size", type=int, default=100, help="hidden units per layer")
    model.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    loop = train.add_argument_group("training")
    loop.add_argument("--epochs", type=int, default=10, help="total epochs (passes over data)")
    loop.add_argument(
        "--batch-size", type=int, help="sequences per batch (default: 1 for text, 32 for CSV)"
    )
    loop.add_argument("--seq-len", type=int, help="text: characters per BPTT chunk (default 25)")
    loop.add_argument(
        "--optimizer", choices=OPTIMIZERS, help="optimizer (default: adagrad text, adam CSV)"
    )
    loop.add_argument("--lr", type=float, help="learning rate (default: 0.1 text, 0.01 CSV)")
    loop.add_argument("--clip", type=float, default=5.0, help="max gradient norm; 0 disables")
    loop.add_argument(
        "--val-fraction", type=float, help="share held out for validation, in time order after "
        "the training part (default: 0.15 CSV, 0 text)"
    )  # fmt: skip
    loop.add_argument(
        "--patience", type=int, help="stop after this many epochs without a better validation "
        "loss (default: 20 with validation data, else no early stopping)"
    )  # fmt: skip
    loop.add_argument("--seed", type=int, default=0, help="seed of initialisation and shuffling")
    loop.add_argument("--log-every", type=int, default=1, help="print the loss every N epochs")
    saving = train.add_argument_group("checkpoints")
    saving.add_argument(
        "--checkpoint", metavar="PATH", help="checkpoint file (.npz) to write (default: the data "
        "file's name with .npz, in the current folder)"
    )  # fmt: skip
    saving.add_argument(
        "--checkpoint-every", type=int, default=1, help="save every N epochs (and at the end)"
    )
    saving.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint (repeat the same command with --resume; "
        "--epochs is the total)",
    )
