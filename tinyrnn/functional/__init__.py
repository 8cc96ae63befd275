"""The plain math of tinyrnn: the original vanilla-RNN script's functions, usable on their own.

Layers call these kernels; no math is written twice.
"""

from .activations import (
    grad_relu,
    grad_sigmoid,
    grad_softmax,
    grad_tanh,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from .encoding import one_hot
from .gru import gru_backward, gru_forward
from .losses import cross_entropy, grad_cross_entropy, grad_mse_loss, mse_loss
from .lstm import lstm_backward, lstm_forward
from .recurrent import rnn_backward, rnn_forward

__all__ = [
    "cross_entropy",
    "grad_cross_entropy",
    "grad_mse_loss",
    "grad_relu",
    "grad_sigmoid",
    "grad_softmax",
    "grad_tanh",
    "gru_backward",
    "gru_forward",
    "log_softmax",
    "lstm_backward",
    "lstm_forward",
    "mse_loss",
    "one_hot",
    "relu",
    "rnn_backward",
    "rnn_forward",
    "sigmoid",
    "softmax",
    "tanh",
]
