"""Each public class's docstring starts with what a user passes to it: `Name(arguments)`."""

from __future__ import annotations

import inspect

import pytest

import tinyrnn
from tinyrnn.optim import lr_scheduler
from tinyrnn.training import EarlyStopping, History, fit

# The recurrent layers, cells, Linear and the data classes are documented by their owners'
# own tests; these are the rest of the public classes.
CLASSES = [
    tinyrnn.Module, tinyrnn.Parameter, tinyrnn.Sequential, tinyrnn.Embedding, tinyrnn.Dropout,
    tinyrnn.Tanh, tinyrnn.Sigmoid, tinyrnn.ReLU, tinyrnn.Softmax,
    tinyrnn.Loss, tinyrnn.MSELoss, tinyrnn.CrossEntropyLoss,
    tinyrnn.Optimizer, tinyrnn.SGD, tinyrnn.Adam, tinyrnn.Adagrad, tinyrnn.RMSprop,
    lr_scheduler.LRScheduler, lr_scheduler.StepLR, lr_scheduler.ExponentialLR,
    lr_scheduler.CosineAnnealingLR, lr_scheduler.ReduceLROnPlateau,
    EarlyStopping, History,
]  # fmt: skip


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_docstring_starts_with_the_constructor_call(cls):
    doc = inspect.getdoc(cls) or ""
    first_paragraph = doc.split("\n\n")[0]
    assert first_paragraph.startswith(f"`{cls.__name__}("), first_paragraph
    for name, parameter in inspect.signature(cls).parameters.items():
        where = first_paragraph if parameter.default is inspect.Parameter.empty else doc
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            name = f"*{name}"
        assert name in where, f"{cls.__name__}: argument {name!r} is not described"


def test_fit_docstring_covers_every_option():
    doc = inspect.getdoc(fit) or ""
    missing = [name for name in inspect.signature(fit).parameters if name not in doc]
    assert not missing, f"fit's docstring does not describe {missing}"
