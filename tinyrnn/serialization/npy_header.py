"""The .npy header of a zip member, read and checked strictly before any of its data.

At most 10 kB of header is read; the dtype must be a plain numeric one (bool, int, uint,
float, complex: no object arrays, so nothing is ever unpickled); the size the shape declares
must equal the member's size in the zip directory and be possible for its stored size.
"""

from __future__ import annotations

import ast
import math
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

MAX_HEADER_BYTES = 10_000
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand its input more than ~1032 : 1
_MAGIC = b"\x93NUMPY"
_PLAIN_DTYPE = re.compile(r"[<>|=]?[biufc][0-9]{1,2}")  # bool, integer, float, complex


@dataclass(frozen=True)
class NpyHeader:
    """What a member's .npy header declares (no data): shape, dtype, memory order."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    fortran_order: bool
    header_size: int  # bytes before the data: magic, version, length field, header text

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError(f"unexpected end of data ({len(data)} of {size} bytes)")
    return data


def read_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> NpyHeader:
    with archive.open(info) as stream:
        magic = read_exact(stream, len(_MAGIC) + 2)
        if magic[:-2] != _MAGIC or magic[-2:] not in (b"\x01\x00", b"\x02\x00"):
            raise ValueError(f"not a .npy array of format 1.0 or 2.0 (starts {magic!r})")
        length_field = read_exact(stream, 2 if magic[-2] == 1 else 4)
        length = int.from_bytes(length_field, "little")
        # Checked before the header is read (NumPy's reader would read it all first).
        if length > MAX_HEADER_BYTES:
            raise ValueError(f"header of {length} bytes (at most {MAX_HEADER_BYTES} allowed)")
        prefix = magic + length_field + read_exact(stream, length)
    shape, fortran_order, dtype = _parse_header(prefix[len(magic) + len(length_field) :])
    header = NpyHeader(shape, dtype, fortran_order, len(prefix))
    stored = info.file_size - len(prefix)
    if stored != header.nbytes:
        raise ValueError(
            f"header declares shape {header.shape} of {dtype} ({header.nbytes} bytes) "
            f"but the member holds {stored} bytes of data"
        )
    most = info.compress_size if info.compress_type == zipfile.ZIP_STORED else None
    if most is None:
        most = _DEFLATE_MAX_RATIO * info.compress_size + 1024
    if info.file_size > most:
        raise ValueError(
            f"{info.file_size} bytes cannot be stored in {info.compress_size} bytes: "
            "the member is corrupt"
        )
    return header


def _parse_header(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """{'descr': plain numeric dtype, 'fortran_order': bool, 'shape': ints >= 0}, strictly.

    Not NumPy's parser: on a malformed header it retries with a Python 2 tokenizer whose
    errors (tokenize.TokenError) are not ValueErrors, and it accepts object/structured dtypes.
    """
    text = raw.decode("latin1")
    try:
        header = ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, RecursionError) as error:
        raise ValueError(f"unparsable .npy header {text[:100]!r}") from error
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError(f"malformed .npy header {text[:100]!r}")
    descr, fortran_order, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str) or not _PLAIN_DTYPE.fullmatch(descr):
        raise ValueError(f"dtype {descr!r} refused: only plain numeric arrays are read")
    if not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError(f"invalid shape {shape!r}")
    if not isinstance(fortran_order, bool):
        raise ValueError(f"invalid fortran_order {fortran_order!r}")
    return shape, fortran_order, np.dtype(descr)
