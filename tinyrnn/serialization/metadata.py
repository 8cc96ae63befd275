"""The checkpoint's JSON member: what it holds, writing it, and reading it back defensively."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .format import decode
from .safe_npz import SafeNpzReader

FORMAT, VERSION, METADATA = "tinyrnn-checkpoint", 1, "metadata"
MAX_METADATA_BYTES = 16 * 2**20
_PARTS = ("model", "optimizer", "scheduler", "rng", "hidden", "step", "extra")


def metadata_member(tree: dict[str, Any], classes: dict[str, Any]) -> np.ndarray:
    """{"format", "version", "classes", "contents": tree} as UTF-8 JSON in a uint8 vector."""
    metadata = {"format": FORMAT, "version": VERSION, "classes": classes, "contents": tree}
    return np.frombuffer(json.dumps(metadata).encode("utf-8"), np.uint8)


def read_metadata(npz: SafeNpzReader) -> dict[str, Any]:
    """The parsed JSON, after checking its member, size, format tag, version and parts."""
    header = npz.headers.get(METADATA)
    if header is None or header.dtype != np.uint8 or len(header.shape) != 1:
        raise ValueError(f"{npz.path}: no {METADATA!r} member (a uint8 vector): not a checkpoint")
    if header.nbytes > MAX_METADATA_BYTES:
        raise ValueError(f"{npz.path}: metadata of {header.nbytes} bytes is too large")
    try:
        metadata = json.loads(npz.read(METADATA).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{npz.path}: unreadable metadata: {error}") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError(f"{npz.path}: not a tinyrnn checkpoint (no format tag {FORMAT!r})")
    if metadata.get("version") != VERSION:
        raise ValueError(f"{npz.path}: checkpoint version {metadata.get('version')!r} unknown")
    contents, classes = metadata.get("contents"), metadata.get("classes")
    if not isinstance(contents, dict) or not isinstance(classes, dict) or "model" not in contents:
        raise ValueError(f"{npz.path}: malformed metadata (no contents, classes or model)")
    if not set(contents) <= set(_PARTS):
        raise ValueError(f"{npz.path}: unknown parts {sorted(set(contents) - set(_PARTS))}")
    return metadata


def decode_contents(
    path: str, tree: dict[str, Any], lookup: Any, members: set[str]
) -> dict[str, Any]:
    """Decode every part; each member must be referenced exactly once."""
    seen: set[str] = set()
    try:
        contents = {key: decode(value, key, lookup, seen) for key, value in tree.items()}
    except KeyError as error:
        raise ValueError(f"{path}: metadata refers to a missing member {error}") from error
    except RecursionError as error:
        raise ValueError(f"{path}: metadata nested too deeply") from error
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error
    if seen != members:
        raise ValueError(
            f"{path}: members not referenced by the metadata: {sorted(members - seen)}"
        )
    return contents
