"""A defensive .npz reader for files that may be broken or hostile.

Every member's .npy header is parsed and checked (`npy_header`) before any data is read.
Data is read in bounded chunks through `zipfile`, which checks
each member's CRC-32. Any problem raises ValueError naming the file and member; OSError from
opening the file (missing, unreadable) passes through unchanged.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib
from typing import Any

import numpy as np

from .npy_header import read_exact, read_header

MAX_MEMBERS = 65_536
_CHUNK = 1 << 20
# What zipfile, zlib and the header parser raise on malformed bytes.
_PARSE_ERRORS = (
    *(zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError),
    *(TypeError, KeyError, IndexError, OverflowError, struct.error, UnicodeDecodeError),
    *(SyntaxError, RecursionError, NotImplementedError, RuntimeError),
)


class SafeNpzReader:
    """`with SafeNpzReader(path) as npz:` `npz.headers` {name: NpyHeader}, `npz.read(name)`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._file = open(self.path, "rb")  # noqa: SIM115  (closed by close())
        self._zip: zipfile.ZipFile | None = None
        try:
            size = os.fstat(self._file.fileno()).st_size
            self._zip = self._guard("not a valid .npz (zip) file", zipfile.ZipFile, self._file)
            self._infos = self._guard("bad zip directory", self._list_members, size)
            self.headers = {
                name: self._guard(f"member {name!r}", read_header, self._zip, info)
                for name, info in self._infos.items()
            }
        except BaseException:
            self.close()
            raise

    def _guard(self, where: str, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except _PARSE_ERRORS as error:
            raise ValueError(f"{self.path}: {where}: {error}") from error

    def _list_members(self, file_size: int) -> dict[str, zipfile.ZipInfo]:
        assert self._zip is not None
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"{len(infos)} members (at most {MAX_MEMBERS} allowed)")
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.removesuffix(".npy")
            if name == info.filename or name in members:
                raise ValueError(f"member {info.filename!r} is not a .npy array or is repeated")
            if info.flag_bits & 0x1:
                raise ValueError(f"member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(f"member {name!r}: unsupported compression {info.compress_type}")
            if info.compress_size > file_size:
                raise ValueError(f"member {name!r} claims more stored bytes than the file has")
            members[name] = info
        return members

    def read(self, name: str) -> np.ndarray:
        """The array of member `name`, read in chunks after its header was checked."""
        return self._guard(f"member {name!r}", self._read_data, name)

    def _read_data(self, name: str) -> np.ndarray:
        assert self._zip is not None
        header = self.headers[name]
        flat = np.empty(math.prod(header.shape), header.dtype)
        buffer = flat.view(np.uint8)
        with self._zip.open(self._infos[name]) as stream:
            read_exact(stream, header.header_size)
            position = 0
            while position < header.nbytes:
                chunk = stream.read(min(_CHUNK, header.nbytes - position))
                if not chunk:
                    raise ValueError(f"data ends after {position} of {header.nbytes} bytes")
                buffer[position : position + len(chunk)] = np.frombuffer(chunk, np.uint8)
                position += len(chunk)
            # Reading to the end makes zipfile verify the CRC-32 of the whole member.
            if stream.read(1):
                raise ValueError("data continues past the size its header declares")
        array = flat.reshape(header.shape, order="F" if header.fortran_order else "C")
        return array if header.dtype.isnative else array.astype(header.dtype.newbyteorder("="))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        self._file.close()

    def __enter__(self) -> SafeNpzReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
