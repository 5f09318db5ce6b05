"""Course/section plan changes, past-section archiving and the grading period audit (pure, no network)."""

from __future__ import annotations

import datetime as dt

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.courses import course_changes, period_timeline, section_archive
from schoology_etl.provisioning.lookups import building_lookup, grading_period_lookup

PERIODS = [
    {"id": 1, "title": "Last Year", "start": "2025-08-20", "end": "2026-06-01"},
    {"id": 2, "title": "Term 1", "start": "2026-08-20", "end": "2026-10-19"},
    {"id": 3, "title": "Term 2", "start": "2026-10-14", "end": "2027-01-12"},
    {"id": 4, "title": "Full Year", "start": "2026-08-20", "end": "2027-04-17"},
    {"id": 5, "title": "Term 3", "start": "2027-01-17", "end": "2027-04-17"},
]
TODAY = dt.date(2026, 11, 28)
GP = grading_period_lookup(PERIODS)
BUILDINGS = building_lookup([{"id": 20, "building_code": "MHS"}])
COURSES = [{"id": 30, "course_code": "MHS-ALG1", "title": "Algebra I", "department": "Math", "building_id": 20}]
SECTIONS = [
    {"id": 40, "course_id": 30, "section_school_code": "MHS-ALG1-01", "section_title": "Algebra I 01", "grading_periods": [4], "active": 1},
    {"id": 41, "course_id": 30, "section_school_code": "MHS-ALG1-02", "section_title": "Algebra I 02", "grading_periods": [3], "active": 1},
    {"id": 42, "course_id": 30, "section_school_code": "MHS-ALG1-P03", "section_title": "Algebra I P03", "grading_periods": [1], "active": 1},
    {"id": 43, "course_id": 30, "section_school_code": "MHS-ALG1-P04", "section_title": "Algebra I P04", "grading_periods": [2], "active": 0},
    {"id": 44, "course_id": 30, "section_school_code": "MHS-ALG1-05", "section_title": "Algebra I 05", "grading_periods": [2, 5], "active": 1},
]


def _row(course, title, code, section_title, periods, building="MHS", department="Math"):
    return {"course_code": course, "course_title": title, "section_school_code": code, "section_title": section_title,
            "grading_periods": periods, "building_code": building, "department": department}


def test_course_and_section_changes():
    rows = [
        _row("MHS-ALG1", "Algebra I", "MHS-ALG1-01", "Algebra I 01 (Honors)", "Full Year"),
        _row("MHS-ALG1", "Algebra I", "MHS-ALG1-02", "Algebra I 02", "full year"),
        _row("MHS-ALG1", "Algebra I", "MHS-ALG1-90", "Algebra I 90", "Term 2"),
        _row("MHS-ROBO", "Robotics", "MHS-ROBO-01", "Robotics 01", "Term 2; Term 3", department="STEM"),
        _row("MHS-ALG1", "Algebra I", "MHS-ALG1-05", "Algebra I 05", "Term 3;Term 1"),
    ]
    changes = course_changes.course_section_changes(rows, courses=COURSES, sections=SECTIONS, grading_periods=GP, buildings=BUILDINGS)
    assert [(c.seq, c.realm, c.op, c.key) for c in changes] == [
        (1, "courses", "create", {"course_code": "MHS-ROBO"}),
        (2, "sections", "create", {"section_school_code": "MHS-ALG1-90"}),
        (3, "sections", "create", {"section_school_code": "MHS-ROBO-01"}),
        (4, "sections", "update", {"section_school_code": "MHS-ALG1-01"}),
        (5, "sections", "update", {"section_school_code": "MHS-ALG1-02"}),
    ]
    assert changes[0].after == {"course_code": "MHS-ROBO", "title": "Robotics", "department": "STEM", "building_id": "20"}
    assert changes[2].after == {"course_code": "MHS-ROBO", "course_title": "Robotics", "building_id": "20", "department": "STEM",
                                "section_school_code": "MHS-ROBO-01", "section_code": "01", "section_title": "Robotics 01",
                                "grading_periods": ["3", "5"]}
    assert (changes[3].id, changes[3].before, changes[3].after) == (40, {"section_title": "Algebra I 01"}, {"section_title": "Algebra I 01 (Honors)"})
    assert (changes[4].before, changes[4].after) == ({"grading_periods": ["3"]}, {"grading_periods": ["4"]})


def test_a_changed_course_title_is_an_update():
    rows = [_row("MHS-ALG1", "Algebra One", "MHS-ALG1-01", "Algebra I 01", "Full Year")]
    [change] = course_changes.course_section_changes(rows, courses=COURSES, sections=SECTIONS, grading_periods=GP)
    assert (change.realm, change.op, change.id, change.before, change.after) == (
        "courses", "update", 30, {"title": "Algebra I"}, {"title": "Algebra One"})


def test_an_unknown_grading_period_title_is_named_with_its_line():
    rows = [_row("MHS-ALG1", "Algebra I", "MHS-ALG1-01", "Algebra I 01", "Full Year"),
            _row("MHS-ALG1", "Algebra I", "MHS-ALG1-02", "Algebra I 02", "Term 9")]
    with pytest.raises(RecordError, match=r"line 3.*grading_periods.*'Term 9'"):
        course_changes.course_section_changes(rows, courses=COURSES, sections=SECTIONS, grading_periods=GP)


def test_section_code_of():
    assert course_changes.section_code_of("MHS-ALG1-90", "MHS-ALG1") == "90"
    assert course_changes.section_code_of("X-1", "MHS-ALG1") == "X-1"


def test_archive_changes():
    from schoology_etl.provisioning.courses.grading_periods import past_sections

    past = past_sections(SECTIONS, PERIODS, TODAY)
    assert [s["id"] for s in past] == [42, 43]
    assert section_archive.archive_changes(past) == []  # report: Schoology archives past sections itself
    with pytest.raises(ConfigurationError, match="active flag is not writable"):
        section_archive.archive_changes(past, action="deactivate")
    delete = section_archive.archive_changes(past, action="delete")
    assert [(c.op, c.id) for c in delete] == [("delete", "42"), ("delete", "43")]
    assert delete[1].before == {"section_school_code": "MHS-ALG1-P04", "section_title": "Algebra I P04", "course_id": 30, "active": 0}
    with pytest.raises(ConfigurationError, match="archive"):
        section_archive.archive_changes(past, action="archive")


def test_term_gaps_inside_a_year_only():
    gaps = period_timeline.term_gaps(PERIODS)
    assert gaps == [{"kind": "gap", "start": "2027-01-13", "end": "2027-01-16", "days": 4, "within": "Full Year",
                     "after": "Term 2", "before": "Term 3"}]
    late_start = [{**p, "start": "2026-08-25"} if p["id"] == 2 else p for p in PERIODS]
    assert [(g["start"], g["end"], g["after"]) for g in period_timeline.term_gaps(late_start)][0] == ("2026-08-20", "2026-08-24", "")


def test_audit_rows():
    rows = period_timeline.audit_rows([*PERIODS, {"id": 6, "title": "Broken", "start": "2027-05-02", "end": "2027-05-01"}],
                                      SECTIONS, today=TODAY)
    assert [(r["kind"], r["periods"], r["start"], r["end"], r["days"], r["section_school_code"]) for r in rows] == [
        ("invalid", "Broken", "2027-05-02", "2027-05-01", None, None),
        ("overlap", "Term 1; Term 2", "2026-10-14", "2026-10-19", 6, None),
        ("gap", "Term 2; Term 3", "2027-01-13", "2027-01-16", 4, None),
        ("section_no_current_period", "Last Year", None, None, None, "MHS-ALG1-P03"),
        ("section_no_current_period", "Term 1", None, None, None, "MHS-ALG1-P04"),
        ("section_no_current_period", "Term 1; Term 3", None, None, None, "MHS-ALG1-05"),  # between its terms
    ]
    assert set(rows[0]) == set(period_timeline.AUDIT_COLUMNS)
