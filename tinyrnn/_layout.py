"""Memory layout: the axis order in which an array's elements lie contiguously.

The recurrent layers return batch-first views of time-major arrays (as PyTorch does); layers
and losses after them work in that memory order, so that nothing is copied to change layout.
"""

from __future__ import annotations

import numpy as np


def memory_order(x: np.ndarray) -> tuple[int, ...]:
    """Axes of x in the order in which x is C-contiguous: (1, 0, 2) for a time-major array seen
    batch-first, else x's own order (x.transpose(order) is then a free, contiguous view when x
    is either)."""
    if x.ndim == 3 and not x.flags.c_contiguous and x.transpose(1, 0, 2).flags.c_contiguous:
        return (1, 0, 2)
    return tuple(range(x.ndim))
