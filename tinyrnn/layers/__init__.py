"""Layers: each a Module with an explicit forward and backward."""

from .activations import ReLU, Sigmoid, Softmax, Tanh
from .linear import Linear
from .rnn import RNN
from .rnn_cell import RNNCell

__all__ = ["RNN", "Linear", "RNNCell", "ReLU", "Sigmoid", "Softmax", "Tanh"]
