"""DataFrame source and sink."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schoology_etl.errors import ConfigurationError
from schoology_etl.io.pandas import read_dataframe, write_dataframe
from schoology_etl.pipeline import Pipeline, etl


def test_rows_become_dicts_and_missing_values_none() -> None:
    df = pd.DataFrame({
        "n": [1.5, math.nan],
        "s": ["x", None],
        "t": [pd.Timestamp("2024-01-02"), pd.NaT],
        "i": pd.array([1, None], dtype="Int64"),
    })
    assert list(read_dataframe(df)) == [
        {"n": 1.5, "s": "x", "t": pd.Timestamp("2024-01-02"), "i": 1},
        {"n": None, "s": None, "t": None, "i": None},
    ]


def test_chunks_and_lists_of_frames_keep_order() -> None:
    frames = [pd.DataFrame({"id": range(0, 5)}), pd.DataFrame({"id": range(5, 8)})]
    source = read_dataframe(frames, chunk_size=2)
    assert [r["id"] for r in source] == list(range(8))
    assert len(source) == 8
    assert source.head(3) == [{"id": 0}, {"id": 1}, {"id": 2}]


def test_index_can_be_included() -> None:
    df = pd.DataFrame({"v": [10]}, index=pd.Index(["a"], name="uid"))
    assert read_dataframe(df, index=True).head() == [{"uid": "a", "v": 10}]


def test_bad_input() -> None:
    with pytest.raises(ConfigurationError, match="DataFrame"):
        read_dataframe({"a": [1]})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="chunk_size"):
        read_dataframe(pd.DataFrame(), chunk_size=0)


def test_sink_builds_the_dataframe_on_close() -> None:
    sink = write_dataframe()
    report = etl(
        read_dataframe(pd.DataFrame({"id": [1, 2, 3], "role": ["T", "S", "S"]})), sink,
        filters=[lambda r: r["role"] == "S"], transforms=[lambda r: {**r, "extra": r["id"] * 10}],
    )
    assert sink.dataframe.to_dict("records") == [
        {"id": 2, "role": "S", "extra": 20}, {"id": 3, "role": "S", "extra": 30},
    ]
    assert report.written == 2 and report.sink == {"rows": 2, "columns": ["id", "role", "extra"]}


def test_sink_columns_pick_and_order() -> None:
    sink = write_dataframe(columns=["b", "a"])
    with sink:
        sink.write({"a": 1, "b": 2, "c": 3})
    assert list(sink.dataframe.columns) == ["b", "a"]


def test_sink_abort_gives_no_dataframe() -> None:
    sink = write_dataframe()
    with pytest.raises(RuntimeError):
        with sink:
            sink.write({"a": 1})
            raise RuntimeError
    assert sink.dataframe is None


def test_empty_run_gives_an_empty_dataframe() -> None:
    sink = write_dataframe()
    Pipeline.from_(read_dataframe(pd.DataFrame({"a": []}))).to(sink)
    assert sink.dataframe.empty


@settings(max_examples=30)
@given(values=st.lists(st.integers(-1000, 1000), max_size=30), chunk=st.integers(1, 7))
def test_round_trip(values: list[int], chunk: int) -> None:
    df = pd.DataFrame({"v": values, "s": [str(v) for v in values]})
    sink = write_dataframe(columns=["v", "s"])
    etl(read_dataframe(df, chunk_size=chunk), sink)
    assert sink.dataframe["v"].tolist() == values
    assert sink.dataframe["s"].tolist() == [str(v) for v in values]
