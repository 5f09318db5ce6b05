"""Usage report rows: analytics joined with API users, counts by building, section sizes."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.analytics.usage_reports import (
    INACTIVE_COLUMNS,
    LOGIN_ACTIVITY_COLUMNS,
    LOGIN_SUMMARY_COLUMNS,
    DistrictUsage,
    building_summary,
    inactive_user_rows,
    inactive_users_table,
    keep_roles,
    login_activity_rows,
    login_activity_table,
    login_summary,
    login_summary_table,
    read_district_usage,
    section_sizes,
    users_by_role_and_building,
)
from schoology_etl.provisioning.lookups import ClientLookups

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


INACTIVE = [
    {"school_uid": "S1", "role_title": "Student", "building_id": "2", "last_login": None},
    {"school_uid": "T1", "role_title": "Teacher", "building_id": "1", "last_login": "2026-09-01 08:05:00"},
]


def test_keep_roles_keeps_the_chosen_role_titles_and_refuses_an_unknown_id() -> None:
    rows = inactive_user_rows(INACTIVE, USERS, role_titles=ROLES, building_names=NAMES, as_of=dt.date(2026, 11, 28))
    assert [r["school_uid"] for r in keep_roles(rows, ["6"], role_titles=ROLES)] == ["T1"]
    assert [r["school_uid"] for r in keep_roles(rows, [5, "6"], role_titles=ROLES)] == ["S1", "T1"]
    assert keep_roles(rows, [], role_titles=ROLES) == rows
    with pytest.raises(ConfigurationError) as err:
        keep_roles(rows, ["99"], role_titles=ROLES)
    assert str(err.value) == "roles: unknown role id(s) 99; known: 5 (Student), 6 (Teacher)"


def test_inactive_users_table_has_the_report_columns_and_a_nullable_day_count() -> None:
    table = inactive_users_table(INACTIVE, USERS, role_titles=ROLES, building_names=NAMES,
                                 as_of=dt.date(2026, 11, 28), roles=["5"])
    assert list(table.columns) == INACTIVE_COLUMNS and str(table["days_since_login"].dtype) == "Int64"
    assert table["school_uid"].tolist() == ["S1"] and table["days_since_login"].isna().all()
    full = inactive_users_table(INACTIVE, USERS, role_titles=ROLES, building_names=NAMES, as_of=dt.date(2026, 11, 28))
    assert full["days_since_login"].tolist()[1] == 88
    assert full.to_csv(index=False).splitlines()[1].endswith(",,True")  # never signed in: an empty cell, not NaN
    empty = inactive_users_table([], USERS, role_titles=ROLES, building_names=NAMES, as_of=dt.date(2026, 11, 28))
    assert list(empty.columns) == INACTIVE_COLUMNS and empty.empty


WEEKLY = [  # as the warehouse gives them: ids as numbers, weeks as text or dates
    {"building_id": 1, "week": "2026-03-02", "logins": 4, "users": 2},
    {"building_id": 2, "week": dt.date(2026, 3, 2), "logins": 1, "users": 1},
    {"building_id": 1, "week": dt.datetime(2026, 3, 9), "logins": 9, "users": 3},
    {"building_id": 7, "week": "2026-03-09 00:00:00", "logins": 2, "users": 2},
]


def test_login_activity_rows_name_the_building_and_make_the_week_a_date() -> None:
    rows = login_activity_rows(WEEKLY, building_names=NAMES)
    assert [(r["building_id"], r["building"], r["week"]) for r in rows] == [
        ("1", "Lakeside", dt.date(2026, 3, 2)), ("2", "Cedar Ridge", dt.date(2026, 3, 2)),
        ("1", "Lakeside", dt.date(2026, 3, 9)), ("7", "", dt.date(2026, 3, 9))]
    table = login_activity_table(WEEKLY, building_names=NAMES)
    assert list(table.columns) == LOGIN_ACTIVITY_COLUMNS
    assert table.to_csv(index=False).splitlines()[:2] == ["building_id,building,week,logins,users",
                                                          "1,Lakeside,2026-03-02,4,2"]
    assert list(login_activity_table([], building_names=NAMES).columns) == LOGIN_ACTIVITY_COLUMNS


def test_login_summary_totals_each_building_and_its_busiest_week() -> None:
    rows = login_activity_rows(WEEKLY, building_names=NAMES)
    assert login_summary(rows) == [
        {"building_id": "1", "building": "Lakeside", "logins": 13, "busiest_week": 9},
        {"building_id": "2", "building": "Cedar Ridge", "logins": 1, "busiest_week": 1},
        {"building_id": "7", "building": "", "logins": 2, "busiest_week": 2},
    ]
    table = login_summary_table(login_activity_table(WEEKLY, building_names=NAMES))
    assert list(table.columns) == LOGIN_SUMMARY_COLUMNS and table["logins"].tolist() == [13, 1, 2]
    empty = login_summary_table(login_activity_table([], building_names=NAMES))
    assert list(empty.columns) == LOGIN_SUMMARY_COLUMNS and empty.empty


def test_district_usage_describes_its_counts() -> None:
    usage = DistrictUsage(by_role=[{"users": 3}, {"users": 2}],
                          sizes=[{"students": 20, "teachers": 1}, {"students": 0, "teachers": 2}])
    assert (usage.users, usage.active_enrollments) == (5, 23)
    assert usage.describe() == "5 users, 2 current sections, 23 active enrollments"


def test_read_district_usage_counts_the_sandbox_users_and_current_sections(sandbox) -> None:
    state = sandbox.state()
    credentials = Credentials(base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)
    with SchoologyClient(credentials, rate_limit=1000) as api:
        look = ClientLookups(api)
        usage = read_district_usage(api, role_titles=look.role_names, building_names=look.building_names)
    titles = {k: r["title"] for k, r in state["roles"].items()}
    expected = Counter((str(u["building_id"]), titles[str(u["role_id"])]) for u in state["users"].values())
    assert {(r["building_id"], r["role"]): r["users"] for r in usage.by_role} == dict(expected)
    current = {k for k, s in state["sections"].items() if s.get("active", 1)}
    assert current and {s["section_id"] for s in usage.sizes} == current
    active = [e for e in state["enrollments"].values()
              if e["realm"] == "section" and str(e["realm_id"]) in current and e["status"] == 1]
    assert usage.active_enrollments == len(active) > 0
    students = Counter(str(e["realm_id"]) for e in active if not e["admin"])
    assert {s["section_id"]: s["students"] for s in usage.sizes} == {k: students.get(k, 0) for k in current}
