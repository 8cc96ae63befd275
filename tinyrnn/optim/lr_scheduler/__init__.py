"""Learning-rate schedulers with PyTorch's semantics: StepLR, ExponentialLR, CosineAnnealingLR,
ReduceLROnPlateau (all subclasses of LRScheduler)."""

from .cosine import CosineAnnealingLR
from .decay import ExponentialLR, StepLR
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "ReduceLROnPlateau", "StepLR"]
