"""Learning-rate schedulers with PyTorch's semantics: StepLR, ExponentialLR, CosineAnnealingLR,
ReduceLROnPlateau (all subclasses of LRScheduler)."""

from .plateau import ReduceLROnPlateau
from .scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "ReduceLROnPlateau", "StepLR"]
