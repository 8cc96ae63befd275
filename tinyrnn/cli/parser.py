"""The `tinyrnn` command line's arguments: train, sample, evaluate, forecast, demo (argparse)."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from .. import __version__
from .parser_train import add_train

DESCRIPTION = """\
Train recurrent networks from the command line, then sample, evaluate or forecast with them.

  tinyrnn train --text FILE --checkpoint char.npz              a character-level language model
  tinyrnn sample --checkpoint char.npz --prime "The "          text from it
  tinyrnn train --csv FILE --target COL --window 20 --checkpoint s.npz   a series forecaster
  tinyrnn evaluate --checkpoint s.npz --csv FILE               its test error vs naive baselines
  tinyrnn forecast --checkpoint s.npz --csv FILE --steps 10    the next 10 steps after the file
  tinyrnn                                                      (no arguments) the seed demo

Run `tinyrnn COMMAND --help` for every option of a command."""


class Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: ...)" only for real defaults (not None, not a flag's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or action.default == "==SUPPRESS==":
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (`prog: error: ...`), exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser; `tinyrnn --help`, `tinyrnn train --help`, ... document every option."""
    parser = Parser(
        prog="tinyrnn", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"tinyrnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_train(commands, Formatter)
    _add_sample(commands)
    _add_evaluate(commands)
    _add_forecast(commands)
    demo = commands.add_parser("demo", help="run the seed demo (the default with no arguments)")
    demo.add_argument("--epochs", type=int, default=500, help="training epochs (default 500)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def _reading_command(
    commands: argparse._SubParsersAction, name: str, help: str, description: str
) -> argparse.ArgumentParser:
    """A command that reads a checkpoint (sample, evaluate, forecast): its parser."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=description, formatter_class=Formatter
    )
    parser.add_argument("--checkpoint", metavar="PATH", required=True, help="checkpoint file")
    return parser


def _add_sample(commands: argparse._SubParsersAction) -> None:
    sample = _reading_command(
        commands,
        "sample",
        help="generate text from a character model's checkpoint",
        description="Rebuild the character model stored in a `tinyrnn train --text` checkpoint "
        "and generate text (a CSV model forecasts with `tinyrnn forecast`).",
    )
    sample.add_argument("--prime", help="characters to start from (default: the text's first)")
    sample.add_argument("--length", type=int, default=200, help="characters to generate")
    sample.add_argument("--temperature", type=float, default=1.0, help="< 1 safer, > 1 more random")
    sample.add_argument("--seed", type=int, help="random seed (default: unseeded)")
    # Refused with a pointer to `tinyrnn forecast` (it once chose where a series forecast began).
    sample.add_argument("--csv", metavar="FILE", help=argparse.SUPPRESS)


def _add_evaluate(commands: argparse._SubParsersAction) -> None:
    evaluate = _reading_command(
        commands,
        "evaluate",
        help="a CSV model's test error beside the naive baselines",
        description="One-step-ahead forecasts of the test rows (those after the rows the model "
        "was trained and validated on), in the data's units: the model's RMSE and MAE, and "
        "those of the persistence forecast (the previous value) and, with --period, of the "
        "seasonal naive forecast (the value one period earlier).",
    )
    evaluate.add_argument("--csv", metavar="FILE", required=True, help="the series (same columns)")
    evaluate.add_argument(
        "--period", type=int, help="rows per season, for the seasonal baseline (default: the "
        "one given to train, else none)"
    )  # fmt: skip


def _add_forecast(commands: argparse._SubParsersAction) -> None:
    forecast = _reading_command(
        commands,
        "forecast",
        help="roll a CSV model out N steps past the end of a file",
        description="Forecast the N steps after the last row of the CSV, feeding each forecast "
        "back in; prints CSV (the time column continued when it is evenly spaced integers).",
    )
    forecast.add_argument("--csv", metavar="FILE", required=True, help="the series (same columns)")
    forecast.add_argument("--steps", type=int, required=True, help="steps to forecast")
    forecast.add_argument("--plot", metavar="PNG", help="also draw it (needs matplotlib)")
