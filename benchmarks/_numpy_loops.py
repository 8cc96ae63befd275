"""The plain NumPy contender: the step written as a straightforward per-step loop, not tuned.

A list of per-step caches forward, one step at a time backward, PyTorch's gate layouts (LSTM
i, f, g, o; GRU r, z, n with r applied to W_hn h + b_hn). Parameters and gradients are dicts
keyed by the names of `_contenders.NAMES`. States are tuples: (h,), or (h, c) for the LSTM.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]
State = tuple[np.ndarray, ...]


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def rnn_forward(p: Params, x_t: np.ndarray, state: State) -> tuple[State, Any]:
    """h_t = tanh(x_t W_ih^T + b_ih + h W_hh^T + b_hh)."""
    (h,) = state
    h_new = np.tanh(x_t @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])
    return (h_new,), (x_t, h, h_new)


def rnn_backward(p: Params, cache: Any, grad: State, grads: Params) -> State:
    x_t, h, h_new = cache
    da = grad[0] * (1 - h_new * h_new)
    grads["weight_ih"] += da.T @ x_t
    grads["weight_hh"] += da.T @ h
    grads["bias_ih"] += da.sum(axis=0)
    grads["bias_hh"] += da.sum(axis=0)
    return (da @ p["weight_hh"],)


def lstm_forward(p: Params, x_t: np.ndarray, state: State) -> tuple[State, Any]:
    """Gates i, f, g, o from one product each way; c_t = f c + i g, h_t = o tanh(c_t)."""
    h, c = state
    n = h.shape[1]
    a = x_t @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
    i, f = sigmoid(a[:, :n]), sigmoid(a[:, n : 2 * n])
    g, o = np.tanh(a[:, 2 * n : 3 * n]), sigmoid(a[:, 3 * n :])
    c_new = f * c + i * g
    tanh_c = np.tanh(c_new)
    return (o * tanh_c, c_new), (x_t, h, c, i, f, g, o, tanh_c)


def lstm_backward(p: Params, cache: Any, grad: State, grads: Params) -> State:
    x_t, h, c, i, f, g, o, tanh_c = cache
    dh, dc = grad
    dc = dc + dh * o * (1 - tanh_c * tanh_c)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * c * f * (1 - f),
            dc * i * (1 - g * g),
            dh * tanh_c * o * (1 - o),
        ],
        axis=1,
    )
    grads["weight_ih"] += da.T @ x_t
    grads["weight_hh"] += da.T @ h
    grads["bias_ih"] += da.sum(axis=0)
    grads["bias_hh"] += da.sum(axis=0)
    return da @ p["weight_hh"], dc * f


def gru_forward(p: Params, x_t: np.ndarray, state: State) -> tuple[State, Any]:
    """r, z = sigmoid(.), n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h_t = (1-z) n + z h."""
    (h,) = state
    m = h.shape[1]
    gi = x_t @ p["weight_ih"].T + p["bias_ih"]
    gh = h @ p["weight_hh"].T + p["bias_hh"]
    r = sigmoid(gi[:, :m] + gh[:, :m])
    z = sigmoid(gi[:, m : 2 * m] + gh[:, m : 2 * m])
    n = np.tanh(gi[:, 2 * m :] + r * gh[:, 2 * m :])
    return ((1 - z) * n + z * h,), (x_t, h, r, z, n, gh[:, 2 * m :])


def gru_backward(p: Params, cache: Any, grad: State, grads: Params) -> State:
    x_t, h, r, z, n, gh_n = cache
    (dh,) = grad
    dn = dh * (1 - z) * (1 - n * n)  # through the tanh: dL/d(pre-activation of n)
    dr = dn * gh_n * r * (1 - r)
    dz = dh * (h - n) * z * (1 - z)
    d_gi = np.concatenate([dr, dz, dn], axis=1)
    d_gh = np.concatenate([dr, dz, dn * r], axis=1)
    grads["weight_ih"] += d_gi.T @ x_t
    grads["weight_hh"] += d_gh.T @ h
    grads["bias_ih"] += d_gi.sum(axis=0)
    grads["bias_hh"] += d_gh.sum(axis=0)
    return (d_gh @ p["weight_hh"] + dh * z,)


Cell = tuple[Callable[..., tuple[State, Any]], Callable[..., State], int]
CELLS: dict[str, Cell] = {  # forward, backward, number of state arrays
    "rnn": (rnn_forward, rnn_backward, 1),
    "lstm": (lstm_forward, lstm_backward, 2),
    "gru": (gru_forward, gru_backward, 1),
}


def loss_and_grads(layer: str, p: Params, x: np.ndarray, target: np.ndarray):
    """MSE (mean over all entries) of Linear(layer(x)) and the gradients of every parameter."""
    forward, backward, state_count = CELLS[layer]
    batch, steps, _ = x.shape
    hidden = p["weight_hh"].shape[1]
    w_out, b_out = p["fc.weight"], p["fc.bias"]
    state: State = tuple(np.zeros((batch, hidden), x.dtype) for _ in range(state_count))
    caches, hs, diffs, total = [], [], [], 0.0
    for t in range(steps):
        state, cache = forward(p, x[:, t], state)
        caches.append(cache)
        hs.append(state[0])
        diffs.append(state[0] @ w_out.T + b_out - target[:, t])
        total += float(np.sum(diffs[-1] * diffs[-1]))
    scale = np.float32(2.0 / target.size)
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    grad: State = tuple(np.zeros((batch, hidden), x.dtype) for _ in range(state_count))
    for t in reversed(range(steps)):
        dy = scale * diffs[t]
        grads["fc.weight"] += dy.T @ hs[t]
        grads["fc.bias"] += dy.sum(axis=0)
        grad = backward(p, caches[t], (grad[0] + dy @ w_out, *grad[1:]), grads)
    return total / target.size, grads
