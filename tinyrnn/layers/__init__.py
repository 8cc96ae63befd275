"""Layers: each a Module with an explicit forward and backward."""

from .activations import ReLU, Sigmoid, Softmax, Tanh
from .bahdanau_attention import BahdanauAttention
from .bidirectional import Bidirectional
from .cell import RecurrentCell
from .dropout import Dropout
from .embedding import Embedding
from .gated import GRU, LSTM
from .gru_cell import GRUCell
from .linear import Linear
from .lstm_cell import LSTMCell
from .luong_attention import LuongAttention
from .rnn import RNN
from .rnn_cell import RNNCell
from .stacked import RecurrentStack, stacked

__all__ = [
    "BahdanauAttention",
    "LuongAttention",
    "Bidirectional",
    "Dropout",
    "Embedding",
    "stacked",
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "Linear",
    "RNNCell",
    "RecurrentCell",
    "RecurrentStack",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
]
