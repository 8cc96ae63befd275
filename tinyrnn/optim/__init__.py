"""Optimizers, learning-rate schedulers and gradient clipping, with PyTorch's update rules."""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .clip import clip_grad_norm, clip_grad_value
from .lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, ReduceLROnPlateau, StepLR
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD", "Adagrad", "Adam", "CosineAnnealingLR", "ExponentialLR", "LRScheduler", "Optimizer",
    "RMSprop", "ReduceLROnPlateau", "StepLR", "clip_grad_norm", "clip_grad_value", "lr_scheduler",
]  # fmt: skip
