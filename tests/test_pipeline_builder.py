"""Pipeline: immutable, ordered steps, previews without a sink."""

from __future__ import annotations

import dataclasses

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.pipeline import Pipeline
from tests.test_pipeline_doubles import ListSource, RecordingSink

PEOPLE = [
    {"id": 1, "first": "Ada", "role": "teacher"},
    {"id": 2, "first": "Bo", "role": "student"},
    {"id": 3, "first": "Cy", "role": "student"},
]


def test_each_method_returns_a_new_pipeline() -> None:
    base = Pipeline.from_(ListSource(PEOPLE))
    narrowed = base.where(role="student")
    assert base.steps == () and len(narrowed.steps) == 1
    assert list(base) == PEOPLE
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.steps = ()  # type: ignore[misc]


def test_steps_run_in_the_order_given() -> None:
    p = (
        Pipeline.from_(ListSource(PEOPLE))
        .where(role="student")
        .rename(first="name_first")
        .map(lambda r: {**r, "name_first": r["name_first"].upper()})
        .select("id", "name_first")
    )
    assert list(p) == [{"id": 2, "name_first": "BO"}, {"id": 3, "name_first": "CY"}]


def test_head_reads_only_what_it_needs_and_reopens_the_source() -> None:
    source = ListSource(PEOPLE)
    p = Pipeline.from_(source).filter(lambda r: r["id"] > 1)
    assert p.head(1) == [{"id": 2, "first": "Bo", "role": "student"}]
    assert p.head(5) == PEOPLE[1:]
    assert source.opened == source.closed == 2


def test_to_runs_into_a_sink_with_batch_and_limit() -> None:
    sink = RecordingSink(batch_size=100)
    report = Pipeline.from_(ListSource(PEOPLE)).batch(1).limit(2).to(sink)
    assert sink.batches == [[PEOPLE[0]], [PEOPLE[1]]]
    assert (report.read, report.written) == (2, 2)


def test_select_names_the_missing_field() -> None:
    with pytest.raises(RecordError) as info:
        Pipeline.from_(ListSource(PEOPLE)).select("id", "email").head()
    assert "'email'" in str(info.value)
    assert info.value.step == "select('id', 'email')" and info.value.index == 0


def test_where_with_a_missing_field_never_matches() -> None:
    assert Pipeline.from_(ListSource(PEOPLE)).where(email=None).head() == []


def test_bad_builder_arguments() -> None:
    p = Pipeline.from_(ListSource(PEOPLE))
    with pytest.raises(ConfigurationError):
        p.batch(0)
    with pytest.raises(ConfigurationError):
        p.select()
    with pytest.raises(ConfigurationError):
        p.limit(-1)


def test_batch_over_the_sink_cap_is_refused() -> None:
    sink = RecordingSink()
    sink.max_batch_size = 2  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="cap of 2"):
        Pipeline.from_(ListSource(PEOPLE)).batch(3).to(sink)


def test_repr_lists_the_steps() -> None:
    p = Pipeline.from_(ListSource(PEOPLE)).where(role="x").select("id")
    assert "where(role='x') | select('id')" in repr(p)
