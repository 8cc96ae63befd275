"""Opening a checkpoint that may be broken or hostile, on NumPy's own reader.

Before any array data is read: the file must be a zip of at most MAX_MEMBERS ".npy" members,
each named once, unencrypted, stored or deflated; each member's .npy header is parsed by
NumPy (`read_array_header_*`, `max_header_size`) from at most MAX_HEADER_BYTES, whose length
field is checked first (NumPy would read a declared 4 GB header before refusing it); its dtype
must be plain numeric (so nothing is ever unpickled) and its shape's bytes must equal the
member's uncompressed size, a size its compressed bytes can hold (deflate expands at most
~1032:1, the zip-bomb bound). The data is read by `np.load(..., allow_pickle=False)`, whose zip
stream checks each member's CRC-32. Problems raise ValueError naming the file and member;
OSError from opening the file passes through.
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
import tokenize
import zipfile
import zlib
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from .format import decode_contents

MAX_MEMBERS, MAX_HEADER_BYTES, MAX_METADATA_BYTES = 65_536, 10_000, 16 * 2**20
FORMAT, VERSION, METADATA = "tinyrnn-checkpoint", 1, "metadata"
PARTS = ("model", "optimizer", "scheduler", "rng", "hidden", "step", "extra")
# What zipfile, zlib and NumPy's header parser raise on malformed bytes.
_BAD_BYTES = (
    *(zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError),
    *(TypeError, KeyError, IndexError, OverflowError, struct.error, UnicodeDecodeError),
    *(SyntaxError, RecursionError, NotImplementedError, RuntimeError, tokenize.TokenError),
)


class CheckpointFile:
    """`with CheckpointFile(path) as f:` `f.declared` {member: (shape, dtype)}, `f.metadata`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._file = open(self.path, "rb")  # noqa: SIM115  (closed by close())
        try:
            self._npz = self._guard("not a valid .npz (zip) file", self._open)
            infos = self._guard("bad zip directory", self._members)
            self.declared = {
                name: self._guard(f"member {name!r}", self._header, info)
                for name, info in infos.items()
            }
            self.metadata = self._metadata()
        except BaseException:
            self.close()
            raise

    def _guard(self, where: str, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except _BAD_BYTES as error:
            raise ValueError(f"{self.path}: {where}: {error}") from error

    def _open(self) -> Any:
        # Without a zip signature np.load would read a bare .npy (of any declared size).
        if self._file.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ValueError("no zip signature")
        self._file.seek(0)
        return np.load(self._file, allow_pickle=False, max_header_size=MAX_HEADER_BYTES)

    def _members(self) -> dict[str, zipfile.ZipInfo]:
        infos, file_size = self._npz.zip.infolist(), os.fstat(self._file.fileno()).st_size
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"{len(infos)} members (at most {MAX_MEMBERS} allowed)")
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.removesuffix(".npy")
            if name == info.filename or name in members:
                raise ValueError(f"member {info.filename!r} is not a .npy array or is repeated")
            if info.flag_bits & 0x1 or info.compress_type not in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
            ):
                raise ValueError(f"member {name!r} is encrypted or compressed unusually")
            if info.compress_size > file_size:
                raise ValueError(f"member {name!r} claims more stored bytes than the file has")
            members[name] = info
        return members

    def _header(self, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype[Any]]:
        with self._npz.zip.open(info) as stream:
            prefix = io.BytesIO(stream.read(12 + MAX_HEADER_BYTES))
        version = npy_format.read_magic(prefix)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"not a .npy array of format 1.0 or 2.0 (version {version})")
        length = int.from_bytes(prefix.getvalue()[8 : 10 if version == (1, 0) else 12], "little")
        if length > MAX_HEADER_BYTES:
            raise ValueError(f"header of {length} bytes (at most {MAX_HEADER_BYTES} allowed)")
        read = getattr(npy_format, f"read_array_header_{version[0]}_0")
        try:
            shape, _, dtype = read(prefix, max_header_size=MAX_HEADER_BYTES)
        except _BAD_BYTES as error:
            raise ValueError(f"unreadable .npy header: {error}") from error
        if dtype.kind not in "biufc":
            raise ValueError(f"dtype {dtype.str!r} refused: only plain numeric arrays are read")
        if not all(type(n) is int and n >= 0 for n in shape):  # NumPy lets -2 and True pass
            raise ValueError(f"invalid shape {shape!r}")
        nbytes, stored = math.prod(shape) * dtype.itemsize, info.file_size - prefix.tell()
        if nbytes != stored:
            raise ValueError(
                f"header declares shape {shape} of {dtype} ({nbytes} bytes) "
                f"but the member holds {stored} bytes of data"
            )
        deflated = info.compress_type != zipfile.ZIP_STORED
        if info.file_size > (1032 * info.compress_size + 1024 if deflated else info.compress_size):
            raise ValueError(f"{info.file_size} bytes cannot be stored in {info.compress_size}")
        return shape, dtype

    def read(self, name: str) -> np.ndarray:
        """The array of member `name` (declared, so checked), in native byte order."""
        array = self._guard(f"member {name!r}", self._npz.__getitem__, name + ".npy")
        return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))

    def contents(self, *, data: bool) -> dict[str, Any]:
        """The metadata's contents with each member in place: its data, or a stand-in of its
        declared shape and dtype (`np.broadcast_to` of one zero: no memory) for checks."""

        def member(name: str, scalar: bool) -> Any:
            shape, dtype = self.declared[name]
            if scalar and shape != ():
                raise ValueError(f"member {name!r} should hold a scalar, has shape {shape}")
            value = self.read(name) if data else np.broadcast_to(np.zeros((), dtype), shape)
            return value[()] if scalar else value

        members = set(self.declared) - {METADATA}
        return decode_contents(self.path, self.metadata["contents"], member, members)

    def _metadata(self) -> dict[str, Any]:
        """The parsed JSON member, after checking its size, format tag, version and parts."""
        shape, dtype = self.declared.get(METADATA, ((), None))
        if dtype != np.uint8 or len(shape) != 1:
            raise ValueError(
                f"{self.path}: no {METADATA!r} member (a uint8 vector): not a checkpoint"
            )
        if shape[0] > MAX_METADATA_BYTES:
            raise ValueError(f"{self.path}: metadata of {shape[0]} bytes is too large")
        try:
            metadata = json.loads(self.read(METADATA).tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise ValueError(f"{self.path}: unreadable metadata: {error}") from error
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
            raise ValueError(f"{self.path}: not a tinyrnn checkpoint (no format tag {FORMAT!r})")
        if metadata.get("version") != VERSION:
            raise ValueError(f"{self.path}: checkpoint version {metadata.get('version')!r} unknown")
        contents, classes = metadata.get("contents"), metadata.get("classes")
        if (
            not isinstance(contents, dict)
            or not isinstance(classes, dict)
            or "model" not in contents
        ):
            raise ValueError(f"{self.path}: malformed metadata (no contents, classes or model)")
        if not set(contents) <= set(PARTS):
            raise ValueError(f"{self.path}: unknown parts {sorted(set(contents) - set(PARTS))}")
        return metadata

    def close(self) -> None:
        if getattr(self, "_npz", None) is not None:
            self._npz.close()
        self._file.close()

    def __enter__(self) -> CheckpointFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
