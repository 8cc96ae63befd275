"""Atomic .npz writing: a temporary file in the same folder, fsynced, then renamed over `path`."""

from __future__ import annotations

import contextlib
import os
import secrets
import zipfile

import numpy as np
from numpy.lib import format as npy_format


def write_npz(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    """Write {name: array} as an uncompressed .npz (np.savez's layout) at exactly `path`.

    Either the whole new file is in place afterwards or, if anything fails (including
    KeyboardInterrupt), the previous file at `path` is untouched and no temporary file remains.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    # O_EXCL with a random name: never clobbers anything; mode 0o666 minus the umask, like open().
    temp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temp, flags, 0o666)
    try:
        # Writing through a file object: NumPy never sees the name, so it appends no ".npz".
        with os.fdopen(descriptor, "wb") as file:
            with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
                for name, array in arrays.items():
                    with archive.open(name + ".npy", "w", force_zip64=True) as member:
                        npy_format.write_array(member, array, allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
