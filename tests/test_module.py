"""Module API: parameters and their names, train/eval, repr, Sequential, Parameter, defaults."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn import RNN, Linear, Module, Parameter, RNNCell, Sequential, Tanh

F64 = np.float64


def small_model(rng=None, dtype=F64):
    return Sequential(RNN(3, 4, dtype=dtype, rng=rng), Tanh(), Linear(4, 2, dtype=dtype, rng=rng))


def test_named_parameters_are_dotted_like_pytorch(rng):
    names = [name for name, _ in small_model(rng).named_parameters()]
    assert names == [
        "0.cell.weight_ih",
        "0.cell.weight_hh",
        "0.cell.bias_ih",
        "0.cell.bias_hh",
        "2.weight",
        "2.bias",
    ]
    assert [n for n, _ in RNN(3, 4, bias=False).named_parameters()] == [
        "cell.weight_ih",
        "cell.weight_hh",
    ]


def test_parameters_follow_registration_order_and_appear_once():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.zeta = Parameter(np.zeros(2))
            self.first = Linear(2, 2)
            self.alpha = Parameter(np.zeros(3))
            self.alias = self.zeta  # the same Parameter under a second name
            self.again = self.first  # the same Module twice
            self.blocks = [Linear(2, 2), Tanh()]
            self._hidden = Parameter(np.zeros(1))  # private: not a parameter of the model

    net = Net()
    # As PyTorch: a module's own parameters first, then each child's, in assignment order.
    names = [name for name, _ in net.named_parameters()]
    assert names == [
        "zeta",
        "alpha",
        "first.weight",
        "first.bias",
        "blocks.0.weight",
        "blocks.0.bias",
    ]
    params = list(net.parameters())
    assert len(params) == len({id(p) for p in params}) == 6


def test_shared_layer_in_sequential_is_counted_once(rng):
    shared = Linear(3, 3, dtype=F64, rng=rng)
    model = Sequential(shared, Tanh(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    x = rng.standard_normal((2, 3))
    y = model(x)
    model.backward(np.ones_like(y))
    # Both uses add into the one gradient: compare with the sum of two separate backward calls.
    expected = shared.weight.grad.copy()
    shared.zero_grad()
    h = np.tanh(x @ shared.weight.data.T + shared.bias.data)
    g2 = np.ones_like(y)
    g1 = (g2 @ shared.weight.data) * (1 - h * h)
    np.testing.assert_allclose(expected, g2.T @ h + g1.T @ x, rtol=1e-12)


def test_modules_lists_each_module_once_and_survives_cycles():
    shared = Linear(2, 2)
    model = Sequential(shared, Tanh(), shared)
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]
    model[1].parent = model  # a reference back up the tree must not recurse forever
    assert len(list(model.modules())) == 3
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_train_and_eval_recurse():
    model = small_model()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model[0].cell.training


def test_repr_is_readable():
    text = repr(small_model())
    for piece in [
        "Sequential(",
        "(0): RNN(",
        "(cell): RNNCell(3, 4)",
        "(1): Tanh()",
        "(2): Linear(in_features=4, out_features=2, bias=True)",
    ]:
        assert piece in text, text
    assert "relu" in repr(RNNCell(3, 4, nonlinearity="relu"))
    assert "bias=False" in repr(RNNCell(3, 4, bias=False))
    assert repr(Parameter(np.zeros((2, 3)))) == "Parameter(shape=(2, 3), dtype=float64)"


def test_sequential_indexing_len_iteration_and_append(rng):
    model = small_model(rng)
    assert len(model) == 3
    assert isinstance(model[0], RNN) and isinstance(model[-1], Linear)
    assert [type(m).__name__ for m in model] == ["RNN", "Tanh", "Linear"]
    head = model[1:]
    assert isinstance(head, Sequential) and len(head) == 2 and head[0] is model[1]
    assert model.append(Tanh()) is model and len(model) == 4
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    with pytest.raises(TypeError, match="Sequential: argument 1 is a function, not a Module"):
        Sequential(Tanh(), lambda x: x)
    with pytest.raises(TypeError, match="Sequential.append: expected a Module, got int"):
        model.append(3)


def test_sequential_runs_forward_in_order_and_backward_in_reverse(rng):
    first, second = Linear(3, 4, dtype=F64, rng=rng), Linear(4, 2, dtype=F64, rng=rng)
    x, upstream = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    model = Sequential(first, Tanh(), second)
    y = model(x)
    hidden = np.tanh(x @ first.weight.data.T + first.bias.data)
    np.testing.assert_allclose(y, hidden @ second.weight.data.T + second.bias.data, rtol=1e-12)
    dx = model.backward(upstream)
    grad_hidden = (upstream @ second.weight.data) * (1 - hidden**2)
    np.testing.assert_allclose(dx, grad_hidden @ first.weight.data, rtol=1e-12)
    np.testing.assert_allclose(first.weight.grad, grad_hidden.T @ x, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameter_grad_has_the_shape_and_dtype_of_data(dtype):
    values = np.arange(6.0).reshape(2, 3)
    param = Parameter(values, dtype)
    assert param.grad.shape == param.data.shape == param.shape == (2, 3)
    assert param.grad.dtype == param.data.dtype == param.dtype == dtype
    assert param.size == 6 and not np.any(param.grad)
    values[0, 0] = 99  # the Parameter holds its own copy
    assert param.data[0, 0] == 0
    param.grad += 1
    param.zero_grad()
    assert not np.any(param.grad)
    with pytest.raises(TypeError, match="Parameter: expected floating-point data, got dtype int"):
        Parameter(np.arange(3))


@pytest.mark.parametrize("make", [lambda **k: Linear(3, 2, **k), lambda **k: RNN(3, 2, **k)])
def test_layers_use_the_default_dtype_and_rng(make):
    assert tinyrnn.get_default_dtype() == np.float32
    assert all(p.dtype == np.float32 for p in make().parameters())
    assert all(p.dtype == np.float64 for p in make(dtype=np.float64).parameters())
    tinyrnn.seed(3)
    a = make().state_dict()
    tinyrnn.seed(3)
    b = make().state_dict()
    c = make(rng=np.random.default_rng(3)).state_dict()
    d = make(rng=np.random.default_rng(3)).state_dict()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
        np.testing.assert_array_equal(c[name], d[name])


def test_float64_fixture_sets_and_restores_the_default(float64):
    assert tinyrnn.get_default_dtype() == np.float64
    assert Linear(2, 2).weight.dtype == np.float64
    with pytest.raises(TypeError, match="float32 or float64"):
        tinyrnn.set_default_dtype(np.int64)


def test_pytorch_init_bounds(rng):
    cell = RNNCell(3, 16, dtype=F64, rng=rng)
    for param in cell.parameters():
        assert np.all(np.abs(param.data) <= 1 / 4) and np.abs(param.data).max() > 0.2
    linear = Linear(25, 40, dtype=F64, rng=rng)
    for param in linear.parameters():
        assert np.all(np.abs(param.data) <= 1 / 5) and np.abs(param.data).max() > 0.15
