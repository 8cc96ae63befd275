"""The `tinyrnn` command line's arguments: `train`, `sample` and `demo` (argparse)."""

from __future__ import annotations

import argparse

CELLS = ("rnn", "lstm", "gru")
OPTIMIZERS = ("sgd", "adam", "adagrad", "rmsprop")

DESCRIPTION = """\
Train and sample recurrent networks from the command line.

  tinyrnn train --text FILE --checkpoint char.npz          a character-level language model
  tinyrnn sample --checkpoint char.npz --prime "The "      text from it
  tinyrnn train --csv FILE --window 30 --checkpoint s.npz  a forecaster of a CSV time series
  tinyrnn sample --checkpoint s.npz --length 20            a forecast from it
  tinyrnn                                                  (no arguments) the seed demo

Run `tinyrnn train --help` or `tinyrnn sample --help` for every option."""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: ...)" only for real defaults (not None, not a flag's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or action.default == "==SUPPRESS==":
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """The full parser; `tinyrnn --help`, `tinyrnn train --help`, ... document every option."""
    parser = argparse.ArgumentParser(
        prog="tinyrnn", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train(commands)
    _add_sample(commands)
    demo = commands.add_parser("demo", help="run the seed demo (the default with no arguments)")
    demo.add_argument("--epochs", type=int, default=500, help="training epochs (default 500)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def _add_train(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train",
        help="train a model on a text file or a CSV series",
        description="Train a character model (--text) or a series forecaster (--csv). Every "
        "option has a default; a checkpoint (--checkpoint) stores the model's architecture, "
        "vocabulary or column scaling, so `tinyrnn sample` can rebuild it.",
        formatter_class=_Formatter,
    )
    data = train.add_mutually_exclusive_group(required=True)
    data.add_argument("--text", metavar="FILE", help="UTF-8 text: train a character model")
    data.add_argument("--csv", metavar="FILE", help="numeric CSV (header optional): a forecaster")
    series = train.add_argument_group("CSV series options")
    series.add_argument(
        "--input-columns",
        metavar="COLS",
        help="comma-separated names or 0-based indices of the columns the model reads "
        "(default: all)",
    )
    series.add_argument(
        "--target-columns",
        metavar="COLS",
        help="columns to predict one step ahead (default: the input columns; a rollout "
        "forecast needs them equal)",
    )
    series.add_argument("--window", type=int, default=30, help="time steps the model sees")
    model = train.add_argument_group("model")
    model.add_argument("--cell", choices=CELLS, default="rnn", help="recurrent cell type")
    model.add_argument("--hidden-size", type=int, default=100, help="hidden units per layer")
    model.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    loop = train.add_argument_group("training")
    loop.add_argument("--epochs", type=int, default=10, help="total epochs (passes over data)")
    loop.add_argument(
        "--batch-size", type=int, help="sequences per batch (default: 1 for text, 32 for CSV)"
    )
    loop.add_argument("--seq-len", type=int, default=25, help="text: characters per BPTT chunk")
    loop.add_argument(
        "--optimizer", choices=OPTIMIZERS, help="optimizer (default: adagrad text, adam CSV)"
    )
    loop.add_argument("--lr", type=float, help="learning rate (default: 0.1 text, 0.01 CSV)")
    loop.add_argument("--clip", type=float, default=5.0, help="max gradient norm; 0 disables")
    loop.add_argument(
        "--val-fraction", type=float, default=0.0, help="share of the data held out (the end)"
    )
    loop.add_argument("--seed", type=int, default=0, help="seed of initialisation and shuffling")
    loop.add_argument("--log-every", type=int, default=1, help="print the loss every N epochs")
    saving = train.add_argument_group("checkpoints")
    saving.add_argument("--checkpoint", metavar="PATH", help="checkpoint file (.npz) to write")
    saving.add_argument(
        "--checkpoint-every", type=int, default=1, help="save every N epochs (and at the end)"
    )
    saving.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint (repeat the same command with --resume; "
        "--epochs is the total)",
    )


def _add_sample(commands: argparse._SubParsersAction) -> None:
    sample = commands.add_parser(
        "sample",
        help="generate text, or forecast a series, from a checkpoint",
        description="Rebuild the model stored in a `tinyrnn train` checkpoint and generate: "
        "text for a character model, a rollout forecast for a CSV model.",
        formatter_class=_Formatter,
    )
    sample.add_argument("--checkpoint", metavar="PATH", required=True, help="checkpoint file")
    sample.add_argument(
        "--prime", help="text: characters to start from (default: the training text's first)"
    )
    sample.add_argument(
        "--length", type=int, default=200, help="characters to generate, or forecast steps"
    )
    sample.add_argument(
        "--temperature", type=float, default=1.0, help="text: < 1 safer, > 1 more random"
    )
    sample.add_argument("--seed", type=int, help="text: random seed (default: unseeded)")
    sample.add_argument(
        "--csv",
        metavar="FILE",
        help="series: start the forecast from the last window of this CSV (default: the end "
        "of the training data)",
    )
