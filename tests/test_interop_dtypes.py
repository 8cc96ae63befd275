"""load_torch_state_dict: every real dtype is cast to the model's; anything else names its key."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn
from tinyrnn.interop import load_torch_state_dict, to_torch_state_dict

# Torch's floating dtypes that NumPy cannot hold, by name (older torch lacks the float8 ones).
NON_NUMPY_FLOATS = ["bfloat16", "float8_e4m3fn", "float8_e5m2"]


@pytest.mark.parametrize("model_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("torch_dtype", [*NON_NUMPY_FLOATS, "float16", "int64", "uint8"])
def test_any_real_torch_dtype_is_cast_to_the_models(torch_dtype, model_dtype):
    torch = pytest.importorskip("torch")
    if not hasattr(torch, torch_dtype):
        pytest.skip(f"this torch has no {torch_dtype}")
    dtype = getattr(torch, torch_dtype)
    torch.manual_seed(0)
    source = torch.nn.LSTM(3, 4, batch_first=True)
    if not dtype.is_floating_point:  # small integers, exact in every dtype
        with torch.no_grad():
            for param in source.parameters():
                param.copy_(torch.randint(0, 9, param.shape))
    state = {name: tensor.to(dtype) for name, tensor in source.state_dict().items()}
    model = tinyrnn.LSTM(3, 4, dtype=model_dtype)
    result = load_torch_state_dict(model, state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    loaded = to_torch_state_dict(model, tensors=False)
    for name, tensor in state.items():
        # The exact value of the low-precision number, rounded once to the model's dtype.
        expected = tensor.to(torch.float64).numpy().astype(model_dtype)
        assert loaded[name].dtype == model_dtype
        np.testing.assert_array_equal(loaded[name], expected)
    if torch_dtype == "bfloat16":  # bfloat16 keeps 8 significant bits of each float32 weight
        for name, tensor in source.state_dict().items():
            np.testing.assert_allclose(loaded[name], tensor.numpy(), rtol=2**-8, atol=0)


def _unconvertible(torch):
    """(description, value) pairs that hold no real numbers."""
    return [
        ("complex64", torch.zeros(16, 3, dtype=torch.complex64)),
        ("bool", torch.zeros(16, 3, dtype=torch.bool)),
        ("meta", torch.zeros(16, 3, device="meta")),
        ("sparse", torch.zeros(16, 3).to_sparse()),
        ("None", None),
        ("str", "weights"),
        ("ragged", [[1.0, 2.0], [3.0]]),
        ("complex ndarray", np.zeros((16, 3), np.complex128)),
    ]


def test_anything_else_is_a_value_error_naming_the_key_and_changes_nothing():
    torch = pytest.importorskip("torch")
    model = tinyrnn.LSTM(3, 4)
    good = to_torch_state_dict(model, tensors=False)
    before = model.state_dict()
    for description, value in _unconvertible(torch):
        state = dict(good, weight_ih_l0=value)
        with pytest.raises(ValueError, match=r"weight_ih_l0 \(tinyrnn cell.weight_ih\)") as info:
            load_torch_state_dict(model, state)
        assert "weight_hh_l0" not in str(info.value), description  # only the bad key
        for name, array in model.state_dict().items():
            np.testing.assert_array_equal(array, before[name])


def test_non_arrays_are_value_errors_without_torch():
    model = tinyrnn.RNN(3, 4)
    good = to_torch_state_dict(model, tensors=False)
    for value in [None, "weights", {"a": 1}, np.zeros((4, 3), bool)]:
        with pytest.raises(ValueError, match=r"weight_ih_l0 \(tinyrnn cell.weight_ih\): expect"):
            load_torch_state_dict(model, dict(good, weight_ih_l0=value))
