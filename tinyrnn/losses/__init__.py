"""Loss functions: `loss = loss_fn(pred, target)` (a float), then `loss_fn.backward()`."""

from .cross_entropy import CrossEntropyLoss
from .loss import Loss
from .mse import MSELoss

__all__ = ["CrossEntropyLoss", "Loss", "MSELoss"]
