"""tinyrnn.data.read_csv: columns by name, the time index, delimiters, missing values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyrnn.data import SeriesTable, read_csv

SUNSPOTS = Path(__file__).resolve().parents[1] / "examples" / "data" / "sunspots.csv"


def write(tmp_path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_yearly_series():
    table = read_csv(SUNSPOTS, "SUNACTIVITY")
    assert isinstance(table, SeriesTable) and len(table) == 309
    assert table.index_name == "YEAR" and table.index.dtype == np.int64
    assert table.index[0] == 1700 and table.index[-1] == 2008
    assert table.target_names == table.feature_names == ["SUNACTIVITY"]
    assert table.targets.shape == table.features.shape == (309, 1)
    assert table.targets[:3, 0].tolist() == [5.0, 11.0, 16.0]  # the file's first three rows
    assert table.where[0] == "line 2"


def test_the_year_is_an_index_never_a_feature_unless_named(tmp_path):
    path = write(tmp_path, "year,flow,rain\n2001,10,1\n2002,12,2\n2003,11,3\n")
    table = read_csv(path, "flow")
    assert table.feature_names == ["flow"] and table.index.tolist() == [2001, 2002, 2003]
    table = read_csv(path, "flow", ["year", "flow"])
    assert table.feature_names == ["year", "flow"] and table.index is None
    assert table.features[:, 0].tolist() == [2001, 2002, 2003]
    assert read_csv(path, "flow", time_column=None).index is None
    assert read_csv(path, "flow", time_column="rain").index.tolist() == [1, 2, 3]


def test_targets_and_features_are_chosen_separately(tmp_path):
    path = write(tmp_path, "date,a,b,c\n2020-01-01,1,2,3\n2020-01-02,4,5,6\n")
    table = read_csv(path, ["c", "a"], ["b"])
    assert table.targets.tolist() == [[3, 1], [6, 4]] and table.features.tolist() == [[2], [5]]
    assert table.index.tolist() == ["2020-01-01", "2020-01-02"]  # not integers: kept as text


def test_columns_not_selected_are_never_parsed(tmp_path):
    path = write(tmp_path, "station,value,note\nA,1.5,ok\nB,2.5,\n,3.5,?? broken\n")
    table = read_csv(path, "value")
    assert table.targets[:, 0].tolist() == [1.5, 2.5, 3.5]


def test_delimiters_and_a_headerless_file(tmp_path):
    table = read_csv(write(tmp_path, "x;y\n1;2\n3;4\n"), "y", delimiter=";")
    assert table.targets[:, 0].tolist() == [2, 4]
    table = read_csv(write(tmp_path, "x\ty\n1\t2\n3\t4\n"), "x", delimiter="\t")
    assert table.targets[:, 0].tolist() == [1, 3]
    table = read_csv(write(tmp_path, "1,2\n3,4\n5,6\n"), "1", ["0", "1"])
    assert table.features.tolist() == [[1, 2], [3, 4], [5, 6]] and table.where[0] == "line 1"


def test_a_wrong_delimiter_is_named(tmp_path):
    path = write(tmp_path, "x;y\n1;2\n3;4\n")
    with pytest.raises(ValueError, match=r"no column 'y'; it has x;y"):
        read_csv(path, "y")


def test_a_blank_value_names_the_file_column_and_first_line(tmp_path):
    path = write(tmp_path, "year,a,b\n2000,1,5\n2001,2,\n2002,,7\n2003,4,8\n")
    with pytest.raises(ValueError) as error:
        read_csv(path, ["a", "b"])
    message = str(error.value)
    # Line 3 (b blank) comes before line 4 (a blank), whatever the column order.
    assert str(path) in message and "column 'b'" in message and "line 3" in message
    assert "2 in the selected columns" in message and "missing=" in message
    assert "\n" not in message


@pytest.mark.parametrize("marker", ["NA", "nan", "null", " "])
def test_missing_markers(tmp_path, marker):
    path = write(tmp_path, f"v\n1\n{marker}\n3\n")
    with pytest.raises(ValueError, match="line 3: missing value"):
        read_csv(path, "v")
    assert read_csv(path, "v", missing="interpolate").targets[:, 0].tolist() == [1, 2, 3]


def test_missing_policies(tmp_path):
    path = write(tmp_path, "time,v,w\n1,1,10\n2,,20\n3,,30\n4,7,\n5,9,50\n6,,60\n")
    dropped = read_csv(path, ["v", "w"], missing="drop")
    assert dropped.targets.tolist() == [[1, 10], [9, 50]]
    assert dropped.index.tolist() == [1, 5] and dropped.where == ["line 2", "line 6"]
    filled = read_csv(path, ["v", "w"], missing="ffill")
    assert filled.targets[:, 0].tolist() == [1, 1, 1, 7, 9, 9]
    assert filled.targets[:, 1].tolist() == [10, 20, 30, 30, 50, 60]
    between = read_csv(path, ["v", "w"], missing="interpolate")
    assert between.targets[:, 0].tolist() == [1, 3, 5, 7, 9, 9]  # the end holds the last value
    assert between.targets[:, 1].tolist() == [10, 20, 30, 40, 50, 60]
    assert len(between) == 6 and between.index.tolist() == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("policy", ["ffill", "interpolate"])
def test_a_leading_gap_cannot_be_filled(tmp_path, policy):
    path = write(tmp_path, "v\n\n1\n2\n".replace("v\n\n", "v\nNA\n"))
    with pytest.raises(ValueError, match=r"column 'v': missing value at line 2, the first row"):
        read_csv(path, "v", missing=policy)
    assert read_csv(path, "v", missing="drop").targets[:, 0].tolist() == [1, 2]


def test_text_and_infinities_are_always_errors(tmp_path):
    path = write(tmp_path, "v\n1\nabc\n")
    for policy in (None, "drop", "ffill"):
        with pytest.raises(ValueError, match=r"column 'v', line 3: 'abc' is not a number"):
            read_csv(path, "v", missing=policy)
    with pytest.raises(ValueError, match="line 2: infinite value 'inf'"):
        read_csv(write(tmp_path, "v\ninf\n"), "v")


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("a,b\n1,2\n", {"target": "z"}, "no column 'z'"),
        ("a,b\n1,2\n", {"target": ["a", "a"]}, "lists a column twice"),
        ("a,b\n1,2\n", {"target": []}, "at least one column"),
        ("a,b\n1,2\n", {"target": "a", "missing": "mean"}, "missing must be one of"),
        ("a,b\n1,2\n", {"target": "a", "delimiter": ";;"}, "one character"),
        ("a,b\n1,2\n", {"target": "a", "time_column": "when"}, "no time column 'when'"),
        ("a,b\n1,2\n3\n", {"target": "a"}, "line 3: 1 fields, the header has 2"),
        ("a,b\n", {"target": "a"}, "no data rows"),
        ("\n\n", {"target": "a"}, "is empty"),
        ("v\nNA\nNA\n", {"target": "v", "missing": "drop"}, "no row is left"),
    ],
)
def test_bad_tables_and_arguments(tmp_path, text, kwargs, message):
    with pytest.raises(ValueError, match=message):
        read_csv(write(tmp_path, text), **kwargs)


class FakeFrame:
    """The part of a pandas DataFrame read_csv uses (pandas itself is optional)."""

    def __init__(self, columns: dict[str, list]) -> None:
        self._data = columns
        self.columns = list(columns)

    def __len__(self) -> int:
        return len(next(iter(self._data.values())))

    def __getitem__(self, name: str):
        return np.array(self._data[name], dtype=object)

    def to_numpy(self):
        return np.array(list(self._data.values()), dtype=object).T


def test_a_dataframe_like_table():
    frame = FakeFrame({"Year": [1990, 1991, 1992], "level": [1.5, float("nan"), 3.5]})
    with pytest.raises(ValueError, match=r"DataFrame, column 'level', row 1: missing"):
        read_csv(frame, "level")
    table = read_csv(frame, "level", missing="interpolate")
    assert table.targets[:, 0].tolist() == [1.5, 2.5, 3.5] and table.index_name == "Year"


def test_a_pandas_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"year": [2000, 2001], "x": [1.0, None], "y": ["a", "b"]})
    table = read_csv(frame, "x", missing="ffill")
    assert table.targets[:, 0].tolist() == [1.0, 1.0] and table.index.tolist() == [2000, 2001]
