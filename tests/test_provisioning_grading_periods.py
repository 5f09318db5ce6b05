"""Grading period audit, current and past sections, sections without teachers."""

from __future__ import annotations

import datetime as dt

import pytest

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.courses.grading_periods import (
    audit_grading_periods,
    current_periods,
    past_sections,
    period_gaps,
    period_overlaps,
    sections_without_current_period,
)
from schoology_etl.provisioning.courses.sections import sections_without_teachers

PERIODS = [
    {"id": 1, "title": "Year", "start": "2026-08-20", "end": "2027-06-10"},
    {"id": 2, "title": "S1", "start": "2026-08-20", "end": "2027-01-20"},
    {"id": 3, "title": "S2", "start": "2027-01-15", "end": "2027-06-10"},
    {"id": 4, "title": "Old", "start": "2025-08-20", "end": "2026-06-10"},
    {"id": 5, "title": "Backwards", "start": "2027-02-01", "end": "2027-01-01"},
]
TODAY = dt.date(2026, 11, 2)


def test_partial_overlaps_only_unless_nested_asked() -> None:
    assert period_overlaps(PERIODS) == [
        {"kind": "overlap", "ids": ["2", "3"], "titles": ["S1", "S2"], "start": "2027-01-15", "end": "2027-01-20", "nested": False}
    ]
    assert len(period_overlaps(PERIODS, include_nested=True)) == 3


def test_gaps_between_covered_stretches() -> None:
    assert period_gaps(PERIODS) == [
        {"kind": "gap", "start": "2026-06-11", "end": "2026-08-19", "days": 70, "after": "Old", "before": "S1"}
    ]
    touching = [{"title": "A", "start": "2026-01-01", "end": "2026-01-31"}, {"title": "B", "start": "2026-02-01", "end": "2026-02-28"}]
    assert period_gaps(touching) == []


def test_current_and_past_sections() -> None:
    assert [p["title"] for p in current_periods(PERIODS, TODAY)] == ["Year", "S1"]
    sections = [
        {"id": 10, "grading_periods": [4]},
        {"id": 11, "grading_periods": "1,4"},
        {"id": 12, "grading_periods": [3]},
        {"id": 13, "grading_periods": []},
        {"id": 14, "grading_periods": [4, 99]},
    ]
    assert [s["id"] for s in past_sections(sections, PERIODS, TODAY)] == [10]
    assert [s["id"] for s in sections_without_current_period(sections, PERIODS, TODAY)] == [10, 12, 13, 14]


def test_audit_lists_every_kind() -> None:
    findings = audit_grading_periods(PERIODS, [{"id": 12, "section_title": "Art", "grading_periods": [3]}], today=TODAY)
    assert [f["kind"] for f in findings] == ["invalid", "overlap", "gap", "section_no_current_period"]
    assert findings[0]["titles"] == ["Backwards"] and findings[-1]["titles"] == ["Art"]


def test_bad_dates_name_the_period_and_field() -> None:
    with pytest.raises(RecordError, match=r"grading period 'X' \(id 9\): field 'end' is not a YYYY-MM-DD date: '06/10/2027'"):
        current_periods([{"id": 9, "title": "X", "start": "2026-01-01", "end": "06/10/2027"}], TODAY)


def test_sections_without_teachers() -> None:
    sections = [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]
    enrollments = [
        {"section_id": 1, "admin": 1, "status": 1},
        {"section_id": 2, "admin": "0", "status": "1"},
        {"section_id": 3, "admin": "1", "status": "5"},
        {"section_id": "4", "admin": "1"},
    ]
    assert [s["id"] for s in sections_without_teachers(sections, enrollments)] == [2, 3]
