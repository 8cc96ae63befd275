"""Layers: each a Module with an explicit forward and backward."""

from .activations import ReLU, Sigmoid, Softmax, Tanh
from .bidirectional import Bidirectional
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .rnn import RNN
from .rnn_cell import RNNCell
from .stacked import stacked

__all__ = [
    "Bidirectional",
    "Dropout",
    "Embedding",
    "stacked",
    "RNN",
    "Linear",
    "RNNCell",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
]
