"""The `tinyrnn` command line: train, sample (text), evaluate and forecast (CSV), the seed demo.

`tinyrnn` (or `python -m tinyrnn`) without arguments runs the seed demo; see `tinyrnn --help`.
User errors (missing files, bad options, characters the model does not know) print
`tinyrnn <command>: error: ...` and exit with status 2, never a traceback.
"""

from __future__ import annotations

import sys

from .files import CLIError
from .parser import build_parser

__all__ = ["CLIError", "build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tinyrnn` console script -> exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    from ..demo import run_demo

    if not argv:
        run_demo()
        return 0
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2, message already printed)
        return stop.code if isinstance(stop.code, int) else 2
    try:
        if args.command == "train":
            from .train import run_train

            return run_train(args)
        if args.command == "sample":
            from .sample import run_sample

            return run_sample(args)
        if args.command == "evaluate":
            from .evaluate import run_evaluate

            return run_evaluate(args)
        if args.command == "forecast":
            from .forecast import run_forecast

            return run_forecast(args)
        if args.command == "demo":
            run_demo(epochs=args.epochs, seed=args.seed)
            return 0
        parser.print_help()
        return 2
    except CLIError as error:
        print(f"tinyrnn {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        where = getattr(args, "checkpoint", None)
        hint = f"; continue with the same command and --resume ({where})" if where else ""
        print(f"\ntinyrnn {args.command}: interrupted{hint}", file=sys.stderr)
        return 130
