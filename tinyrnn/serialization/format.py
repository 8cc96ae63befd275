"""Nested state <-> (JSON-able tree, {member name: ndarray}): how a checkpoint stores any state.

Arrays become `.npy` members named by their paths in the tree ("optimizer/state/0/exp_avg"),
which keeps a tagged reference in their place; tuples, int keys and NumPy scalars are tagged:

    ndarray       {"__array__": "<path>"}       a member holding the array
    NumPy scalar  {"__scalar__": "<path>"}      a 0-d member (keeps np.float32 etc. exact)
    tuple         {"__tuple__": [...]}
    dict          {...} when every key is a str not starting with "__", else
                  {"__dict__": [[key, value], ...]} (keys str or int, e.g. optimizer state)

None, bool, int, float (repr round-trips exactly), str and list are plain JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def encode(value: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able tree for `value`; its arrays are added to `arrays` under their paths."""
    # NumPy types first: np.float64 is also a Python float, but must come back as itself.
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"cannot save {path!r}: dtype {array.dtype} is not numeric")
        if path in arrays:
            raise ValueError(f"cannot save {path!r}: two values map to the same member name")
        arrays[path] = array
        return {"__array__" if isinstance(value, np.ndarray) else "__scalar__": path}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [encode(item, f"{path}/{i}", arrays) for i, item in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(type(key) in (str, int) for key in value):  # bool is no key here
            raise TypeError(
                f"cannot save {path!r}: dict keys must be str or int, got {list(value)}"
            )
        pairs = [[key, encode(item, f"{path}/{key}", arrays)] for key, item in value.items()]
        if all(isinstance(key, str) and not key.startswith("__") for key in value):
            return dict(pairs)
        return {"__dict__": pairs}
    raise TypeError(f"cannot save {path!r}: unsupported type {type(value).__name__}")


def decode(tree: Any, path: str, member: Callable[[str, bool], Any]) -> Any:
    """Inverse of `encode` for a tree parsed from JSON; `member(path, is_scalar)` gives an array.

    A reference must name its own path, so a member's name alone says where it goes. Raises
    ValueError on a malformed tree.
    """
    if isinstance(tree, list):
        return [decode(item, f"{path}/{i}", member) for i, item in enumerate(tree)]
    if not isinstance(tree, dict):
        return tree  # None, bool, int, float or str
    tags = [key for key in tree if key.startswith("__")]
    if not tags:
        return {key: decode(item, f"{path}/{key}", member) for key, item in tree.items()}
    tag, body = tags[0], tree[tags[0]]
    if len(tree) != 1 or tag not in ("__array__", "__scalar__", "__tuple__", "__dict__"):
        raise ValueError(f"at {path!r}: unknown tag(s) {sorted(tree)}")
    if tag in ("__array__", "__scalar__"):
        if body != path:
            raise ValueError(f"at {path!r}: bad member reference {body!r}")
        return member(path, tag == "__scalar__")
    if not isinstance(body, list):
        raise ValueError(f"at {path!r}: {tag} must hold a list")
    if tag == "__tuple__":
        return tuple(decode(item, f"{path}/{i}", member) for i, item in enumerate(body))
    pairs = [p for p in body if isinstance(p, list) and len(p) == 2 and type(p[0]) in (str, int)]
    if len(pairs) != len(body) or len({key for key, _ in pairs}) != len(pairs):
        raise ValueError(f"at {path!r}: bad or repeated __dict__ entries")
    return {key: decode(item, f"{path}/{key}", member) for key, item in pairs}
