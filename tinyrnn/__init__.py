"""tinyrnn: a small, readable recurrent-network framework in pure NumPy."""

from . import data, functional, interop, plot
from ._config import default_rng, get_default_dtype, seed, set_default_dtype
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .layers import (
    GRU,
    LSTM,
    RNN,
    BahdanauAttention,
    Bidirectional,
    Dropout,
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    LuongAttention,
    RecurrentStack,
    ReLU,
    RNNCell,
    Sigmoid,
    Softmax,
    Tanh,
    stacked,
)
from .losses import CrossEntropyLoss, Loss, MSELoss
from .module import Module, is_grad_enabled, no_grad
from .optim import SGD, Adagrad, Adam, Optimizer, RMSprop, clip_grad_norm, clip_grad_value
from .parameter import Parameter
from .sampling import rollout, sample
from .sequential import Sequential
from .serialization import load, save

__version__ = "0.1.0"

__all__ = [
    "RNN",
    "SGD",
    "Adagrad",
    "Adam",
    "BahdanauAttention",
    "Bidirectional",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "GradcheckError",
    "GradcheckReport",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "Linear",
    "Loss",
    "LuongAttention",
    "MSELoss",
    "Module",
    "Optimizer",
    "Parameter",
    "RMSprop",
    "RecurrentStack",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "clip_grad_norm",
    "clip_grad_value",
    "data",
    "default_rng",
    "functional",
    "interop",
    "get_default_dtype",
    "gradcheck",
    "is_grad_enabled",
    "load",
    "no_grad",
    "plot",
    "rollout",
    "sample",
    "save",
    "seed",
    "set_default_dtype",
    "stacked",
]
