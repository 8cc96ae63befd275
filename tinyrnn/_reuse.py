"""Reusing a buffer that was handed out: only when nothing outside still refers to it.

A recurrent layer's outputs are a view of its states (as PyTorch's batch-first outputs). The
next call may write the same buffer again only if no such view survives: the caller dropped
the outputs and every slice of them. A NumPy view keeps its base array alive, so a surviving
view shows up as one more reference to the base. The count that means "only the caller's own
variable" is measured once, through the same code path, so that it holds whatever the
interpreter's bookkeeping; where references cannot be counted (no `sys.getrefcount`), nothing
is ever reused: a fresh buffer is always correct, only slower.
"""

from __future__ import annotations

import sys

import numpy as np

_getrefcount = getattr(sys, "getrefcount", None)


def _references(array: np.ndarray) -> int:
    return _getrefcount(array) if _getrefcount is not None else -1


def _references_through_one_call(array: np.ndarray) -> int:
    return _references(array)  # the same call shape as only_referenced_by_caller


def _count_for_one_variable() -> int:
    probe = np.empty(0)  # held by this one local variable only
    return _references_through_one_call(probe)


_ONLY_THE_CALLER = _count_for_one_variable()


def only_referenced_by_caller(array: np.ndarray) -> bool:
    """True if the caller's variable `array` is the only reference to it (no view of it alive).

    Call it as `only_referenced_by_caller(local)` on a plain local variable, after dropping
    every other reference the caller itself kept (attributes, tuples).
    """
    return _getrefcount is not None and _references(array) <= _ONLY_THE_CALLER
