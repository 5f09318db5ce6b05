"""Usage report rows: analytics joined with API users, counts by building, section sizes."""

from __future__ import annotations

import copy
import datetime as dt

from schoology_etl.provisioning.usage_reports import (
    building_summary,
    inactive_user_rows,
    section_sizes,
    users_by_role_and_building,
)

ROLES = {"5": "Student", "6": "Teacher"}
NAMES = {"1": "Lakeside", "2": "Cedar Ridge"}
USERS = [
    {"uid": 11, "school_uid": "S1", "name_first": "Ann", "name_last": "Lee", "role_id": 5, "building_id": 2},
    {"uid": 12, "school_uid": "T1", "name_first": "Bo", "name_last": "Kim", "role_id": 6, "building_id": 1},
    {"uid": 13, "school_uid": "S2", "name_first": "Cy", "name_last": "Ode", "role_id": 5, "building_id": 1},
]


def test_inactive_rows_take_role_and_building_from_the_api_without_mutating() -> None:
    rows = [
        {"school_uid": "S1", "role_title": "Teacher", "building_id": "1", "last_login": None},
        {"school_uid": "T1", "role_title": "Teacher", "building_id": "1", "last_login": dt.datetime(2026, 9, 1, 8, 5)},
        {"school_uid": "GONE", "name_first": "X", "role_title": "Parent", "building_id": "2",
         "last_login": "2026-08-01 10:00:00"},
    ]
    before = copy.deepcopy(rows)
    out = inactive_user_rows(rows, USERS, role_titles=ROLES, building_names=NAMES, as_of=dt.date(2026, 11, 28))
    assert rows == before
    assert [(r["school_uid"], r["role"], r["building"], r["days_since_login"], r["in_schoology"]) for r in out] == [
        ("S1", "Student", "Cedar Ridge", None, True),
        ("T1", "Teacher", "Lakeside", 88, True),
        ("GONE", "Parent", "Cedar Ridge", 119, False),
    ]
    assert out[1]["last_login"] == "2026-09-01 08:05:00" and out[0]["uid"] == "11"


def test_users_by_role_and_building_counts_each_pair() -> None:
    assert users_by_role_and_building(USERS, role_titles=ROLES, building_names=NAMES) == [
        {"building_id": "2", "building": "Cedar Ridge", "role": "Student", "users": 1},
        {"building_id": "1", "building": "Lakeside", "role": "Student", "users": 1},
        {"building_id": "1", "building": "Lakeside", "role": "Teacher", "users": 1},
    ]


def test_section_sizes_count_active_students_and_teachers() -> None:
    sections = [{"id": 100, "section_school_code": "A-01", "building_id": 1},
                {"id": 101, "section_school_code": "A-02", "building_id": 1}]
    enrollments = [
        {"section_id": "100", "admin": 1, "status": 1}, {"section_id": "100", "admin": 0, "status": 1},
        {"section_id": "100", "admin": 0, "status": "1"}, {"section_id": "100", "admin": 0, "status": 2},
    ]
    assert section_sizes(sections, enrollments) == [
        {"section_id": "100", "section_school_code": "A-01", "building_id": "1", "students": 2, "teachers": 1},
        {"section_id": "101", "section_school_code": "A-02", "building_id": "1", "students": 0, "teachers": 0},
    ]


def test_building_summary_joins_users_sections_and_activity() -> None:
    by_role = users_by_role_and_building(USERS, role_titles=ROLES, building_names=NAMES)
    sizes = [{"building_id": "1", "students": 2}, {"building_id": "1", "students": 5}]
    activity = [{"building_id": "2", "active_users": 1, "logins": 4, "events": 9, "minutes": 30}]
    out = building_summary(by_role, sizes, activity, building_names=NAMES)
    assert out == [
        {"building_id": "2", "building": "Cedar Ridge", "users": 1, "sections": 0, "students_per_section_mean": 0.0,
         "students_per_section_max": 0, "active_users": 1, "logins": 4, "events": 9, "minutes": 30},
        {"building_id": "1", "building": "Lakeside", "users": 2, "sections": 2, "students_per_section_mean": 3.5,
         "students_per_section_max": 5, "active_users": 0, "logins": 0, "events": 0, "minutes": 0},
    ]
