"""Reading the command line's text files and checking its output paths, with clear errors."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


class CLIError(Exception):
    """A problem with the user's input: printed as `tinyrnn <command>: error: ...`, exit 2."""


@contextlib.contextmanager
def reading(path: str) -> Iterator[None]:
    """Turn the errors of reading `path` into one-line messages (missing, not UTF-8, other)."""
    try:
        yield
    except FileNotFoundError:
        raise CLIError(f"no such file: {path}") from None
    except UnicodeDecodeError as error:
        raise CLIError(f"{path} is not UTF-8 text: {error}") from None
    except OSError as error:
        raise CLIError(f"cannot read {path}: {error.strerror or error}") from None


def read_text(path: str) -> str:
    """The whole UTF-8 file (with a clear error for a missing, binary or empty file)."""
    with reading(path), open(path, encoding="utf-8") as file:
        text = file.read()
    if not text:
        raise CLIError(f"{path} is empty")
    return text


def check_checkpoint_path(path: str) -> None:
    """The folder a checkpoint will be written to must exist (fail before training, not after)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"--checkpoint: the folder {folder} does not exist")


def default_checkpoint(data_path: str) -> str:
    """The data file's name with .npz, in the current folder (sunspots.csv -> sunspots.npz)."""
    return os.path.splitext(os.path.basename(data_path))[0] + ".npz"
