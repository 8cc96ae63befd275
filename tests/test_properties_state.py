"""Property-based tests (hypothesis): state_dict and checkpoint (save/load) round trips.

Random architectures (RNN/LSTM/GRU, 1-2 layers, bidirectional or stateful, dropout, float32 or
float64), optimizers with random hyperparameters and a scheduler: training on after a save and
a load into freshly built objects must give bit-for-bit the parameters of never stopping.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyrnn
from tinyrnn import GRU, LSTM, RNN, SGD, Adagrad, Adam, Linear, MSELoss, RMSprop, Sequential
from tinyrnn.layers import stacked
from tinyrnn.optim import StepLR

F32, F64 = np.float32, np.float64
N_IN, N_OUT = 3, 2

architectures = st.fixed_dictionaries(
    {
        "layer_type": st.sampled_from([RNN, LSTM, GRU]),
        "hidden": st.integers(1, 4),
        "num_layers": st.integers(1, 2),
        "bidirectional": st.booleans(),
        "stateful": st.booleans(),
        "dropout": st.sampled_from([0.0, 0.3]),
        "dtype": st.sampled_from([F32, F64]),
    }
)
optimizers = st.one_of(
    st.builds(
        lambda lr, m, nesterov, wd: (
            lambda p: SGD(p, lr, momentum=m, nesterov=nesterov and m > 0, weight_decay=wd)
        ),
        st.floats(1e-3, 0.5),
        st.sampled_from([0.0, 0.9]),
        st.booleans(),
        st.sampled_from([0.0, 1e-2]),
    ),
    st.builds(
        lambda lr, wd: lambda p: Adam(p, lr, weight_decay=wd),
        st.floats(1e-4, 0.1),
        st.sampled_from([0.0, 1e-2]),
    ),
    st.builds(lambda lr: lambda p: Adagrad(p, lr), st.floats(1e-3, 0.5)),
    st.builds(
        lambda lr, centered, m: lambda p: RMSprop(p, lr, centered=centered, momentum=m),
        st.floats(1e-4, 0.05),
        st.booleans(),
        st.sampled_from([0.0, 0.5]),
    ),
)


def build(arch, rng):
    """A model drawing its initial weights and dropout masks from `rng`."""
    stateful = arch["stateful"] and not arch["bidirectional"]  # Bidirectional refuses stateful
    body = stacked(
        arch["layer_type"],
        N_IN,
        arch["hidden"],
        arch["num_layers"],
        dropout=arch["dropout"],
        bidirectional=arch["bidirectional"],
        stateful=stateful,
        dtype=arch["dtype"],
        rng=rng,
    )
    width = arch["hidden"] * (2 if arch["bidirectional"] else 1)
    return Sequential(*body, Linear(width, N_OUT, dtype=arch["dtype"], rng=rng))


def train(model, optimizer, scheduler, rng, steps):
    """`steps` updates on batches drawn from `rng` (the generator the dropout masks come from)."""
    loss_fn = MSELoss()
    for _ in range(steps):
        x = rng.standard_normal((2, 3, N_IN))
        optimizer.zero_grad()
        loss_fn(model(x), rng.standard_normal((2, 3, N_OUT)))
        model.backward(loss_fn.backward())
        optimizer.step()
        scheduler.step()


@settings(max_examples=100, deadline=None)
@given(architectures, st.integers(0, 2**16))
def test_state_dict_round_trip(arch, seed):
    source = build(arch, np.random.default_rng(seed))
    target = build(arch, np.random.default_rng(seed + 1))
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    target.load_state_dict(state)
    for name, value in target.state_dict().items():
        assert value.dtype == state[name].dtype
        np.testing.assert_array_equal(value, state[name])
    for array in state.values():  # copies: changing them changes neither model
        array += 1
    x = np.random.default_rng(seed).standard_normal((2, 4, N_IN))
    source.eval(), target.eval()
    with tinyrnn.no_grad():
        np.testing.assert_array_equal(source(x), target(x))


@settings(max_examples=60, deadline=None)
@given(architectures, optimizers, st.integers(0, 2**16), st.integers(1, 3), st.integers(1, 3))
def test_checkpoint_round_trip_is_bit_identical(arch, make_optimizer, seed, before, after):
    rng = np.random.default_rng(seed)
    model = build(arch, rng)
    optimizer = make_optimizer(model.parameters())
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    train(model, optimizer, scheduler, rng, before)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.ckpt")
        tinyrnn.save(path, model, optimizer, scheduler=scheduler, rng=rng, step=before)
        fresh_rng = np.random.default_rng(seed + 1)
        fresh = build(arch, fresh_rng)
        fresh_optimizer = make_optimizer(fresh.parameters())
        fresh_scheduler = StepLR(fresh_optimizer, step_size=2, gamma=0.5)
        info = tinyrnn.load(path, fresh, fresh_optimizer, scheduler=fresh_scheduler, rng=fresh_rng)
    assert info["step"] == before
    train(model, optimizer, scheduler, rng, after)
    train(fresh, fresh_optimizer, fresh_scheduler, fresh_rng, after)
    for (name, p), (_, q) in zip(model.named_parameters(), fresh.named_parameters(), strict=True):
        assert p.data.dtype == q.data.dtype
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
