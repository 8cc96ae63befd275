"""Every BPTT path of RNN (tanh, relu), LSTM and GRU against central finite differences.

The cases of tests/test_bptt_paths.py (which compares with PyTorch), checked without torch: on
the small states every entry of the input, the initial state and each parameter; on the large
ones (past any size threshold), the derivative along a random direction of each of those
arrays, <dL/da, v> against (L(a + eps v) - L(a - eps v)) / (2 eps), which a wrong gradient in
any entry changes. Public API only (see bptt_cases.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from bptt_cases import KINDS, build, forward_backward, inputs, loss

EPS = 1e-6
# Along a direction over a whole large array, a smaller step: fewer relu kinks crossed, and
# without curvature the difference quotient is exact up to rounding (|L| 1e-16 / eps).
DIRECTION_EPS = 1e-8


def arrays_of(model, x, h0):
    """{name: the array itself}, to be perturbed in place (the names of forward_backward)."""
    found = {"x": x}
    if h0 is not None:
        states = h0 if isinstance(h0, tuple) else (h0,)
        found.update(zip(("h0", "c0")[: len(states)], states, strict=True))
    found.update({name: p.data for name, p in model.cell.named_parameters()})
    return found


def central_difference(model, case, array, index):
    """dL/d array[index] by (L(a + eps) - L(a - eps)) / (2 eps), restoring the entry."""
    before = array[index]
    array[index] = before + EPS
    up = loss(model, *case)
    array[index] = before - EPS
    down = loss(model, *case)
    array[index] = before
    return (up - down) / (2 * EPS)


def directional_difference(model, case, array, direction):
    """d/dt L(a + t v) at 0, by central differences, restoring the array."""
    before = array.copy()
    array += DIRECTION_EPS * direction
    up = loss(model, *case)
    array[...] = before - DIRECTION_EPS * direction
    down = loss(model, *case)
    array[...] = before
    return (up - down) / (2 * DIRECTION_EPS)


PARAMETRIZE = [
    pytest.mark.parametrize("return_sequences", [True, False], ids=["many2many", "many2one"]),
    pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "lengths"]),
    pytest.mark.parametrize("general", [False, True], ids=["fused", "general"]),
    pytest.mark.parametrize("kind", KINDS),
]


def cases(test):
    for mark in PARAMETRIZE:
        test = mark(test)
    return test


@cases
def test_small_bptt_matches_finite_differences(
    kind, general, with_lengths, return_sequences, record_max
):
    model = build(kind, "small", general, return_sequences)
    case = inputs(kind, "small", with_lengths, return_sequences)
    analytic = forward_backward(model, *case)
    for name, array in arrays_of(model, case[0], case[1]).items():
        for index in np.ndindex(array.shape):
            numeric = central_difference(model, case, array, index)
            gap = abs(analytic[name][index] - numeric)
            record_max("BPTT paths vs finite differences, small: max abs error", gap)
            assert gap <= 1e-6 + 1e-5 * abs(numeric), (name, index, analytic[name][index], numeric)


@cases
def test_large_bptt_matches_directional_differences(
    kind, general, with_lengths, return_sequences, record_max
):
    model = build(kind, "large", general, return_sequences)
    case = inputs(kind, "large", with_lengths, return_sequences)
    analytic = forward_backward(model, *case)
    rng = np.random.default_rng(2)
    arrays = arrays_of(model, case[0], case[1])
    assert set(arrays) == set(analytic) - {"output"}
    for name, array in arrays.items():
        direction = rng.standard_normal(array.shape)
        numeric = directional_difference(model, case, array, direction)
        products = analytic[name] * direction
        gap = abs(products.sum() - numeric)
        record_max(
            "BPTT paths vs directional differences, large: relative error",
            gap / np.abs(products).sum(),
        )
        assert gap <= 1e-6 * (1 + np.abs(products).sum()), (name, products.sum(), numeric)
