"""PyTorch interop: move weights between tinyrnn models and the equivalent torch.nn modules.

torch is optional: it is imported only inside the functions that need it.

Supported models and the torch keys they map to (tinyrnn sequences are batch-first, so the
torch recurrent module is the one built with `batch_first=True`):

- `RNN`, `LSTM`, `GRU` running their built-in cell (`RNNCell`, `LSTMCell`, `GRUCell`):
  one `torch.nn.RNN/LSTM/GRU` layer: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`.
- `Bidirectional(layer)`: adds `weight_ih_l0_reverse`, ... for the backward layer.
- a `Sequential` of such layers (Dropout between them allowed; nested stacks flattened), whose
  layers share type, hidden size, bias and nonlinearity and chain like a torch stack:
  one torch module with `num_layers` = the number of recurrent layers: `_l0`, `_l1`, ...
- `Linear` -> `weight`, `bias`; `Embedding` -> `weight`.
- any other `Sequential`: cut into parts, each a maximal recurrent stack (as above), a
  `Linear` or an `Embedding`; parameterless layers (activations, Dropout) are skipped. Keys get
  a prefix per part: by default the index of the part's first layer in the Sequential (so a
  Sequential of Linear and activations maps exactly onto the same `torch.nn.Sequential`), or
  the names in `prefixes=` (e.g. `("rnn", "fc")` for a torch module with attributes `rnn`, `fc`).

`to_torch_module(model)` builds the torch module itself: for such a Sequential, a
torch.nn.Sequential with the same keys, whose recurrent parts return what tinyrnn's do (all
steps, or the last step for return_sequences=False) and whose activations (Tanh, Sigmoid,
ReLU, Softmax) and Dropouts are torch's.

Anything else (a custom cell, a layer without a torch twin) raises ValueError naming it.
"""

from .torch_module import to_torch_module
from .torch_state import load_torch_state_dict, to_torch_state_dict, torch_parameter_names

__all__ = [
    "load_torch_state_dict",
    "to_torch_module",
    "to_torch_state_dict",
    "torch_parameter_names",
]
