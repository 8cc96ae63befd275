"""A defensive .npz reader for files that may be broken or hostile.

Every member's .npy header is parsed (at most 10 kB) and checked before any data is read:
plain numeric dtypes only (object arrays are refused, so nothing is ever unpickled), and the
size the shape declares must equal the member's size in the zip directory and be physically
possible for its stored size. Data is read in bounded chunks through `zipfile`, which checks
each member's CRC-32. Any problem raises ValueError naming the file and member; OSError from
opening the file (missing, unreadable) passes through unchanged.
"""

from __future__ import annotations

import io
import math
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

MAX_HEADER_BYTES = 10_000
MAX_MEMBERS = 65_536
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand its input more than ~1032 : 1
_CHUNK = 1 << 20
_MAGIC = b"\x93NUMPY"
# What zipfile, zlib and NumPy's header parser raise on malformed bytes.
_PARSE_ERRORS = (
    *(zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError),
    *(TypeError, KeyError, IndexError, OverflowError, struct.error, UnicodeDecodeError),
    *(SyntaxError, RecursionError, NotImplementedError, RuntimeError),
)


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
                name: self._guard(f"member {name!r}", _read_header, self._zip, info)
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
            _read_exact(stream, header.header_size)
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


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError(f"unexpected end of data ({len(data)} of {size} bytes)")
    return data


def _read_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> NpyHeader:
    with archive.open(info) as stream:
        magic = _read_exact(stream, len(_MAGIC) + 2)
        if magic[:-2] != _MAGIC or magic[-2:] not in (b"\x01\x00", b"\x02\x00"):
            raise ValueError(f"not a .npy array of format 1.0 or 2.0 (starts {magic!r})")
        length_field = _read_exact(stream, 2 if magic[-2] == 1 else 4)
        length = int.from_bytes(length_field, "little")
        # Checked before the header is read: NumPy's reader would read it all first.
        if length > MAX_HEADER_BYTES:
            raise ValueError(f"header of {length} bytes (at most {MAX_HEADER_BYTES} allowed)")
        prefix = magic + length_field + _read_exact(stream, length)
    fp = io.BytesIO(prefix)
    version = npy_format.read_magic(fp)
    read = (
        npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
    )
    shape, fortran_order, dtype = read(fp, max_header_size=MAX_HEADER_BYTES)
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"dtype {dtype} refused: only plain numeric arrays are read")
    if dtype.kind not in "biufc":
        raise ValueError(f"dtype {dtype} refused: only plain numeric arrays are read")
    if any(isinstance(n, bool) or n < 0 for n in shape):
        raise ValueError(f"invalid shape {shape}")
    header = NpyHeader(tuple(shape), dtype, bool(fortran_order), len(prefix))
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
