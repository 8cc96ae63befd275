"""The `tinyrnn` command line (the demo for now)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tinyrnn` console script."""
    from .demo import run_demo

    del argv
    run_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
