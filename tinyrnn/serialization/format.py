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

_TAGS = ("__array__", "__scalar__", "__tuple__", "__dict__")


def encode(value: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able tree for `value`; its arrays are added to `arrays` under their paths."""
    # NumPy types first: np.float64 is also a Python float, but must come back as itself.
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
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
        for key in value:
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"cannot save {path!r}: dict key {key!r} is not a str or int")
        pairs = [(key, encode(item, f"{path}/{key}", arrays)) for key, item in value.items()]
        if all(isinstance(key, str) and not key.startswith("__") for key in value):
            return dict(pairs)
        return {"__dict__": [list(pair) for pair in pairs]}
    raise TypeError(f"cannot save {path!r}: unsupported type {type(value).__name__}")


def decode(tree: Any, path: str, lookup: Callable[[str, bool], Any], seen: set[str]) -> Any:
    """Inverse of `encode`. `lookup(name, is_scalar)` supplies each member (an array, or any
    stand-in such as its header); references must sit at their own path, each used once, so a
    member's name alone tells where it goes. Raises ValueError on a malformed tree."""
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):
        return [decode(item, f"{path}/{i}", lookup, seen) for i, item in enumerate(tree)]
    if not isinstance(tree, dict):
        raise ValueError(f"metadata at {path!r}: unexpected {type(tree).__name__}")
    tagged = [key for key in tree if key.startswith("__")]
    if not tagged:
        return {key: decode(item, f"{path}/{key}", lookup, seen) for key, item in tree.items()}
    if len(tree) != 1 or tagged[0] not in _TAGS:
        raise ValueError(f"metadata at {path!r}: unknown tag(s) {sorted(tree)}")
    tag, body = tagged[0], tree[tagged[0]]
    if tag in ("__array__", "__scalar__"):
        if body != path or path in seen:
            raise ValueError(f"metadata at {path!r}: bad or repeated member reference {body!r}")
        seen.add(path)
        return lookup(path, tag == "__scalar__")
    if not isinstance(body, list):
        raise ValueError(f"metadata at {path!r}: {tag} must hold a list")
    if tag == "__tuple__":
        return tuple(decode(item, f"{path}/{i}", lookup, seen) for i, item in enumerate(body))
    result: dict[Any, Any] = {}
    for pair in body:
        valid = isinstance(pair, list) and len(pair) == 2
        key = pair[0] if valid else None
        if not valid or isinstance(key, bool) or not isinstance(key, (str, int)) or key in result:
            raise ValueError(f"metadata at {path!r}: bad __dict__ entry {pair!r}")
        result[key] = decode(pair[1], f"{path}/{key}", lookup, seen)
    return result


def decode_contents(path: str, tree: dict[str, Any], lookup: Any, members: set[str]) -> Any:
    """Decode every part of the metadata's contents; each member must be used exactly once."""
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
