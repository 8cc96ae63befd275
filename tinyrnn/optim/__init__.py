"""Optimizers and gradient clipping, with PyTorch's update rules."""

from .adam import Adam
from .clip import clip_grad_norm, clip_grad_value
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer", "clip_grad_norm", "clip_grad_value"]
