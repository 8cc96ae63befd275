"""unit_forget_bias=True (Keras' LSTM default): every bias 0 but the forget gate's, 1; PyTorch's
two biases split it as b_ih's forget block 1, everything else 0."""

from __future__ import annotations

import numpy as np
import pytest

from tinyrnn import LSTM, LSTMCell

F64 = np.float64


def keras_bias(hidden):
    """Keras' initial LSTM bias, gates (i, f, c, o): zeros with ones on the forget block."""
    return np.concatenate([np.zeros(hidden), np.ones(hidden), np.zeros(2 * hidden)])


@pytest.mark.parametrize("make", [LSTMCell, LSTM], ids=["LSTMCell", "LSTM"])
def test_biases_sum_to_keras_initial_bias_and_weights_are_unchanged(make):
    plain = make(3, 5, dtype=F64, rng=np.random.default_rng(7))
    keras = make(3, 5, dtype=F64, rng=np.random.default_rng(7), unit_forget_bias=True)
    cell, plain_cell = getattr(keras, "cell", keras), getattr(plain, "cell", plain)
    np.testing.assert_array_equal(cell.bias_ih.data + cell.bias_hh.data, keras_bias(5))
    np.testing.assert_array_equal(cell.bias_ih.data, keras_bias(5))
    np.testing.assert_array_equal(cell.bias_hh.data, 0)
    np.testing.assert_array_equal(cell.weight_ih.data, plain_cell.weight_ih.data)
    np.testing.assert_array_equal(cell.weight_hh.data, plain_cell.weight_hh.data)
    assert not np.array_equal(plain_cell.bias_ih.data, keras_bias(5))  # the default: PyTorch's


def test_forget_gate_starts_half_open_more_than_the_others():
    """With zero weights the forget gate is sigmoid(1) and every other gate sigmoid(0)."""
    cell = LSTMCell(2, 3, dtype=F64, unit_forget_bias=True)
    cell.weight_ih.data[...] = 0
    cell.weight_hh.data[...] = 0
    c_prev = np.ones((1, 3))
    _, c = cell(np.zeros((1, 2)), (np.zeros((1, 3)), c_prev))
    # c = f c_prev + i g = sigmoid(1) * 1 + sigmoid(0) * tanh(0)
    np.testing.assert_allclose(c, 1 / (1 + np.exp(-1.0)), atol=1e-15)


@pytest.mark.parametrize("make", [LSTMCell, LSTM], ids=["LSTMCell", "LSTM"])
def test_needs_biases(make):
    with pytest.raises(ValueError, match=f"{make.__name__}: unit_forget_bias=True needs bias=True"):
        make(3, 5, bias=False, unit_forget_bias=True)
