"""Finite-difference checks of recurrent layers whose loss depends on outputs and final states
(tinyrnn.gradcheck covers outputs only): L = sum(R * output) + sum(Q * h_n)."""

from __future__ import annotations

import numpy as np

import tinyrnn


def parts(state):
    """The arrays of a state, flattened: an array, a pair, or a pair of pairs."""
    if state is None:
        return []
    if isinstance(state, np.ndarray):
        return [state]
    return [a for item in state for a in parts(item)]


def like(state, rng):
    """A random array of the structure of `state` (arrays, tuples of them)."""
    if isinstance(state, np.ndarray):
        return rng.standard_normal(state.shape)
    return tuple(like(item, rng) for item in state)


def loss_of(layer, x, h0, call, weights_out, weights_n):
    """L = sum(R * output) + sum(Q * h_n), with no cache kept."""
    with tinyrnn.no_grad():
        out = layer(x, h0, **call)
    total = 0.0
    if weights_out is not None:  # an output pair (Bidirectional, merge_mode=None) too
        for r, y in zip(parts(weights_out), parts(out), strict=True):
            total += float(np.sum(r * y))
    for q, h in zip(
        parts(weights_n), parts(layer.h_n) if weights_n is not None else [], strict=True
    ):
        total += float(np.sum(q * h))
    return total


def numeric(fn, array, eps=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        keep = array[index]
        array[index] = keep + eps
        up = fn()
        array[index] = keep - eps
        down = fn()
        array[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


def check_against_finite_differences(layer, x, h0, lengths, weights_out, weights_n, **call):
    """The largest error of dx, dh0 and every parameter gradient of
    L = sum(weights_out * layer(x, h0, lengths=lengths, **call)) + sum(weights_n * layer.h_n),
    against central differences; asserts each is below 1e-7."""
    call = dict(call, lengths=lengths)
    layer.zero_grad()
    layer(x, h0, **call)
    dx = layer.backward(weights_out, weights_n)
    grad_h0 = [] if h0 is None else parts(layer.grad_h0)
    analytic = [dx, *grad_h0, *(p.grad.copy() for p in layer.parameters())]
    arrays = [x, *parts(h0), *(p.data for p in layer.parameters())]
    errors = []
    for got, array in zip(analytic, arrays, strict=True):
        want = numeric(lambda: loss_of(layer, x, h0, call, weights_out, weights_n), array)
        errors.append(float(np.abs(got - want).max()))
    assert max(errors) < 1e-7, errors
    return max(errors)
