"""Module.summary() (layers, output shapes, parameter counts) and the count in repr."""

from __future__ import annotations

import numpy as np
import pytest

import tinyrnn as tr


def _model(return_sequences=True):
    return tr.Sequential(
        tr.Embedding(10, 4),
        tr.LSTM(4, 8, return_sequences=return_sequences),
        tr.Linear(8, 3),
    )


# By hand: Embedding 10 * 4; LSTM 4 gates * 8 * (4 inputs + 8 hidden) + 2 biases of 4 * 8;
# Linear 8 * 3 + 3.
COUNTS = [40, 4 * 8 * (4 + 8) + 2 * 4 * 8, 8 * 3 + 3]


def test_rows_shapes_and_counts_from_an_input_size():
    summary = _model().summary((32, 25))
    assert summary.rows == [
        ("0", "Embedding", "(32, 25, 4)", COUNTS[0]),
        ("1", "LSTM", "(32, 25, 8)", COUNTS[1]),
        ("2", "Linear", "(32, 25, 3)", COUNTS[2]),
    ]
    assert summary.total_params == summary.trainable_params == sum(COUNTS) == 515
    text = str(summary)
    assert "Total params: 515 (float32, 2.1 kB)" in text and "Trainable params: 515" in text
    assert repr(summary) == text


def test_many_to_one_unknown_batch_and_no_input_size():
    summary = _model(return_sequences=False).summary((None, 25))
    assert [row[2] for row in summary.rows] == ["(?, 25, 4)", "(?, 8)", "(?, 3)"]
    assert [row[2] for row in _model().summary().rows] == ["?", "?", "?"]


def test_nested_stacks_bidirectional_and_activations():
    model = tr.Sequential(
        tr.stacked(tr.GRU, 3, 5, num_layers=2, dropout=0.1),
        tr.Bidirectional(tr.RNN(5, 6, return_sequences=False)),
        tr.Linear(12, 2),
        tr.Softmax(),
    )
    rows = model.summary((4, 7, 3)).rows
    assert [row[0] for row in rows] == ["  0.0", "  0.1", "  0.2", "1", "2", "3"]
    assert [row[2] for row in rows] == [
        "(4, 7, 5)", "(4, 7, 5)", "(4, 7, 5)", "(4, 12)", "(4, 2)", "(4, 2)",
    ]  # fmt: skip
    assert rows[3][3] == 2 * (6 * 5 + 6 * 6 + 6 + 6)


def test_unknown_layers_show_a_question_mark_and_nothing_runs():
    class Explodes(tr.Module):
        def forward(self, x):
            raise AssertionError("summary must not run the model")

    model = tr.Sequential(tr.Linear(3, 4), Explodes(), tr.Linear(4, 1))
    assert [row[2] for row in model.summary((2, 3)).rows] == ["(2, 4)", "?", "?"]


def test_a_wrong_input_size_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 2 \(Linear\) expects 8 input features"):
        tr.Sequential(tr.Linear(3, 5), tr.Tanh(), tr.Linear(8, 1)).summary((2, 3))


def test_shared_parameters_are_counted_once():
    layer = tr.Linear(2, 2)
    assert tr.Sequential(layer, layer).summary().total_params == 6


def test_repr_ends_with_the_parameter_count_once():
    model = tr.Sequential(tr.stacked(tr.RNN, 3, 4, num_layers=2), tr.Linear(4, 1))
    text = repr(model)
    expected = (4 * 3 + 4 * 4 + 4 + 4) + (4 * 4 + 4 * 4 + 4 + 4) + (4 + 1)
    assert text.endswith(f")  # {expected} parameters") and text.count("parameters") == 1
    assert "    (0): RNN(\n" in text and "(cell): RNNCell(3, 4)" in text
    assert repr(tr.Linear(3, 4)) == "Linear(in_features=3, out_features=4, bias=True)"
    big = tr.Sequential(tr.Linear(100, 100))
    assert repr(big).endswith("# 10,100 parameters")


def test_a_child_with_its_own_repr_keeps_it():
    class Named(tr.Module):
        def __repr__(self):
            return "Named<custom>"

    assert "(1): Named<custom>" in repr(tr.Sequential(tr.Linear(1, 1), Named()))


def test_float64_summary_reports_its_dtype():
    model = tr.Sequential(tr.Linear(2, 3, dtype=np.float64))
    assert "Total params: 9 (float64, 72 B)" in str(model.summary())
