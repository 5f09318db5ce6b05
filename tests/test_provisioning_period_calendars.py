"""Grading periods audited per building calendar: semesters beside trimesters are no overlap."""

from __future__ import annotations

import datetime as dt

from schoology_etl.provisioning.courses import period_timeline
from schoology_etl.provisioning.courses.period_calendars import NO_SECTIONS, building_calendars

PERIODS = [
    {"id": 1, "title": "Full Year", "start": "2026-08-20", "end": "2027-06-10"},
    {"id": 2, "title": "Semester 1", "start": "2026-08-20", "end": "2027-01-15"},
    {"id": 3, "title": "Semester 2", "start": "2027-01-16", "end": "2027-06-10"},
    {"id": 4, "title": "Trimester 1", "start": "2026-08-20", "end": "2026-11-20"},
    {"id": 5, "title": "Trimester 2", "start": "2026-11-21", "end": "2027-02-25"},
    {"id": 6, "title": "Trimester 3", "start": "2027-03-04", "end": "2027-06-10"},  # 6 days after T2: a real gap
    {"id": 7, "title": "Summer", "start": "2027-06-20", "end": "2027-08-01"},
]
SECTIONS = [
    {"id": 10, "building_id": 100, "grading_periods": [1]},
    {"id": 11, "building_id": 100, "grading_periods": [2, 3]},
    {"id": 12, "building_id": "200", "grading_periods": "1,4"},
    {"id": 13, "building_id": 200, "grading_periods": [5]},
    {"id": 14, "building_id": 200, "grading_periods": [6]},
]
NAMES = {100: "High School", "200": "Middle School"}
TODAY = dt.date(2026, 12, 1)


def test_each_building_calendar_holds_the_periods_its_sections_run_on():
    calendars = building_calendars(PERIODS, SECTIONS, building_titles=NAMES)
    assert {name: [p["title"] for p in periods] for name, periods in calendars.items()} == {
        "High School": ["Full Year", "Semester 1", "Semester 2"],
        "Middle School": ["Full Year", "Trimester 1", "Trimester 2", "Trimester 3"],
        NO_SECTIONS: ["Summer"],
    }
    assert list(building_calendars(PERIODS[:2], [{"building_id": 9, "grading_periods": [2]}])) == ["9", NO_SECTIONS]


def test_one_district_calendar_reports_false_overlaps_and_false_gaps():
    """What the audit said before building calendars: every row below is false."""
    rows = period_timeline.audit_rows(PERIODS, today=TODAY)
    assert [(r["kind"], r["periods"], r["days"]) for r in rows] == [
        ("overlap", "Semester 1; Trimester 2", 56),
        ("overlap", "Trimester 2; Semester 2", 41),
        ("gap", "Trimester 1; Semester 1", 56),  # "days of Semester 1 in no period": the trimester school's days
        ("gap", "Semester 2; Trimester 3", 47),  # hides the real 6-day gap between Trimesters 2 and 3
    ]


def test_per_building_calendar_has_no_false_overlap_and_finds_the_gap():
    calendars = building_calendars(PERIODS, SECTIONS, building_titles=NAMES)
    rows = period_timeline.audit_rows(PERIODS, today=TODAY, calendars=calendars)
    assert [(r["kind"], r["periods"], r["buildings"], r["start"], r["end"], r["days"]) for r in rows] == [
        ("gap", "Trimester 2; Trimester 3", "Middle School", "2027-02-26", "2027-03-03", 6),
    ]


def test_a_finding_shared_by_buildings_is_one_row_naming_them():
    overlapping = [{**p, "end": "2026-11-25"} if p["id"] == 4 else p for p in PERIODS]  # T1 runs 5 days into T2
    sections = [*SECTIONS, {"id": 15, "building_id": 300, "grading_periods": [1, 4, 5, 6]}]
    calendars = building_calendars(overlapping, sections, building_titles={**NAMES, 300: "Academy"})
    rows = period_timeline.audit_rows(overlapping, today=TODAY, calendars=calendars)
    assert [(r["kind"], r["periods"], r["buildings"], r["days"]) for r in rows] == [
        ("overlap", "Trimester 1; Trimester 2", "Academy; Middle School", 5),
        ("gap", "Trimester 2; Trimester 3", "Academy; Middle School", 6),
    ]


def test_a_calendar_without_its_own_year_period_still_has_its_gaps():
    """Full-year courses on all three trimesters: the district's Full Year is in no middle-school section.

    The gap between Trimesters 2 and 3 is still one; the days of the district's (longer) Full Year
    before Trimester 1 and the summer after Trimester 3 are not.
    """
    periods = [{**p, "start": "2026-08-10"} if p["id"] == 1 else p for p in PERIODS]
    sections = [{"id": 20, "building_id": 200, "grading_periods": [4, 5, 6]},
                {"id": 21, "building_id": 200, "grading_periods": [7]},
                {"id": 22, "building_id": 100, "grading_periods": [1]},
                {"id": 23, "building_id": 100, "grading_periods": [2, 3]}]
    calendars = building_calendars(periods, sections, building_titles=NAMES)
    assert [p["title"] for p in calendars["Middle School"]] == ["Trimester 1", "Trimester 2", "Trimester 3", "Summer"]
    rows = period_timeline.audit_rows(periods, today=TODAY, calendars=calendars)
    assert [(r["kind"], r["periods"], r["buildings"], r["start"], r["end"], r["days"], r["detail"]) for r in rows] == [
        ("gap", "Full Year; Semester 1", "High School", "2026-08-10", "2026-08-19", 10,
         "10 day(s) of Full Year in no period"),
        ("gap", "Trimester 2; Trimester 3", "Middle School", "2027-02-26", "2027-03-03", 6,
         "6 day(s) between Trimester 2 and Trimester 3 in no period"),
    ]


def test_a_year_period_of_the_district_frames_a_calendar_once():
    """Two district periods spanning the year (a second one a day longer) give one gap row, not two."""
    periods = [*PERIODS, {"id": 8, "title": "School Year", "start": "2026-08-19", "end": "2027-06-10"}]
    calendars = {"Middle School": [p for p in periods if p["id"] in (4, 5, 6)]}
    rows = period_timeline.audit_rows(periods, today=TODAY, calendars=calendars)
    assert [(r["periods"], r["buildings"], r["days"]) for r in rows] == [
        ("Trimester 2; Trimester 3", "Middle School", 6)]


def test_periods_no_section_runs_on_are_not_framed_as_one_calendar():
    """Two unused quarters inside the used Full Year belong to no building: the days between them are no gap."""
    periods = [*PERIODS, {"id": 8, "title": "Quarter 1", "start": "2026-08-20", "end": "2026-10-15"},
               {"id": 9, "title": "Quarter 4", "start": "2027-04-10", "end": "2027-06-10"}]
    calendars = building_calendars(periods, SECTIONS, building_titles=NAMES)
    assert [p["title"] for p in calendars[NO_SECTIONS]] == ["Summer", "Quarter 1", "Quarter 4"]
    rows = period_timeline.audit_rows(periods, today=TODAY, calendars=calendars)
    assert [(r["kind"], r["periods"], r["buildings"]) for r in rows] == [
        ("gap", "Trimester 2; Trimester 3", "Middle School")]
