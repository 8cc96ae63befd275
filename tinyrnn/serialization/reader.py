"""Reading a checkpoint that may be broken or hostile, with NumPy's own reader.

Before any data is read: the file must be a zip (np.load reads a bare .npy whole) of at most
MAX_MEMBERS ".npy" members, each named once, unencrypted, stored or deflated. Each header is
parsed by NumPy (`max_header_size`) from its first MAX_HEADER_BYTES once its length field fits
(NumPy reads a declared 4 GB header before refusing it): a plain numeric dtype (no pickle ever),
a shape whose bytes are the member's size, a size its compressed bytes can hold (deflate
expands at most ~1032:1), all sizes together within `limit`. Then `np.load(...,
allow_pickle=False)` reads the data, checking each member's CRC-32. Errors: ValueError naming
the file and member; OSError from opening the file passes through.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Collection, Iterator
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from .format import decode

MAX_MEMBERS, MAX_HEADER_BYTES, MAX_METADATA_BYTES = 65_536, 10_000, 16 * 2**20
FORMAT, VERSION, METADATA = "tinyrnn-checkpoint", 1, "metadata"
PARTS = ("model", "optimizer", "scheduler", "rng", "hidden", "step", "extra")
# What zipfile, zlib, json and NumPy's header parser raise on malformed bytes.
_BAD_BYTES = (
    *(zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError),
    *(TypeError, KeyError, IndexError, OverflowError, struct.error, UnicodeDecodeError),
    *(SyntaxError, RecursionError, NotImplementedError, RuntimeError, tokenize.TokenError),
)


@contextlib.contextmanager
def _about(where: str) -> Iterator[None]:
    """Any error of malformed bytes inside becomes ValueError("{where}: {error}")."""
    try:
        yield
    except _BAD_BYTES as error:
        raise ValueError(f"{where}: {error}") from error


def read(
    path: str, limit: int | None = None, parts: Collection[str] = PARTS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(classes, contents) of the checkpoint at `path`, every array in place; the arrays of
    parts not in `parts` are checked but not read (None). `limit`: at most that many bytes
    declared by all members together."""
    with open(path, "rb") as file, _about(path):
        if file.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ValueError("not a valid .npz (zip) file: no zip signature")
        file.seek(0)
        with _about("not a valid .npz (zip) file"):
            npz = np.load(file, allow_pickle=False, max_header_size=MAX_HEADER_BYTES)
        with npz:
            declared = _declared(npz.zip, file)
            total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in declared.values())
            if limit is not None and total > limit:
                raise ValueError(f"declares {total} bytes of arrays (limit {limit})")
            classes, tree = _metadata(declared, npz)
            unused = set(declared) - {METADATA}

            def member(name: str, scalar: bool) -> Any:
                if name not in unused:
                    raise ValueError(f"refers to a missing member {name!r} (or twice to it)")
                unused.remove(name)
                if name.partition("/")[0] not in parts:
                    return None
                with _about(f"member {name!r}"):
                    array = npz[name + ".npy"]
                return array[()] if scalar else array

            with _about("metadata"):
                contents = {key: decode(value, key, member) for key, value in tree.items()}
            if unused:
                raise ValueError(f"members not referenced by the metadata: {sorted(unused)}")
            return classes, contents


def _declared(archive: zipfile.ZipFile, file: BinaryIO) -> dict[str, Any]:
    """{member name without ".npy": (shape, dtype)} from the zip directory and .npy headers."""
    infos, file_size = archive.infolist(), os.fstat(file.fileno()).st_size
    if len(infos) > MAX_MEMBERS:
        raise ValueError(f"{len(infos)} members (at most {MAX_MEMBERS} allowed)")
    declared: dict[str, Any] = {}
    for info in infos:
        name = info.filename.removesuffix(".npy")
        if name == info.filename or name in declared:
            raise ValueError(f"member {info.filename!r} is not a .npy array or is repeated")
        methods = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        if info.flag_bits & 0x1 or info.compress_type not in methods:
            raise ValueError(f"member {name!r} is encrypted or compressed unusually")
        if info.compress_size > file_size:
            raise ValueError(f"member {name!r} claims more stored bytes than the file has")
        with _about(f"member {name!r}"):
            declared[name] = _header(archive, info)
    return declared


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], Any]:
    """(shape, dtype) of one member, once checked against the member's sizes."""
    with archive.open(info) as stream:
        prefix = io.BytesIO(stream.read(12 + MAX_HEADER_BYTES))
    version = npy_format.read_magic(prefix)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"not a .npy array of format 1.0 or 2.0 (version {version})")
    length = int.from_bytes(prefix.getvalue()[8 : 10 if version == (1, 0) else 12], "little")
    if length > MAX_HEADER_BYTES:
        raise ValueError(f"header of {length} bytes (at most {MAX_HEADER_BYTES} allowed)")
    read_header = getattr(npy_format, f"read_array_header_{version[0]}_0")
    with _about("unreadable .npy header"):
        shape, _, dtype = read_header(prefix, max_header_size=MAX_HEADER_BYTES)
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


def _metadata(declared: dict[str, Any], npz: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(classes, contents tree) of the JSON member, once its format, version and parts fit."""
    shape, dtype = declared.get(METADATA, ((), None))
    if dtype != np.uint8 or len(shape) != 1:
        raise ValueError(f"no {METADATA!r} member (a uint8 vector): not a checkpoint")
    if shape[0] > MAX_METADATA_BYTES:
        raise ValueError(f"metadata of {shape[0]} bytes is too large")
    with _about("unreadable metadata"):
        metadata = json.loads(npz[METADATA + ".npy"].tobytes().decode("utf-8"))
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError(f"not a tinyrnn checkpoint (no format tag {FORMAT!r})")
    if metadata.get("version") != VERSION:
        raise ValueError(f"checkpoint version {metadata.get('version')!r} unknown")
    classes, contents = metadata.get("classes"), metadata.get("contents")
    if not isinstance(classes, dict) or not isinstance(contents, dict) or "model" not in contents:
        raise ValueError("malformed metadata (no contents, classes or model)")
    if not set(contents) <= set(PARTS):
        raise ValueError(f"unknown parts {sorted(set(contents) - set(PARTS))}")
    return classes, contents
