"""What an SIS users or enrollments file would change (read-only diffs)."""

from __future__ import annotations

import copy

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.sis.sis_reconcile import (
    enrollment_file_diff,
    enrollment_rows,
    holds_everything,
    parent_file_diff,
    section_file_diff,
    section_rows,
    user_file_diff,
)

USERS = [{"uid": 1, "school_uid": "S1", "name_last": "Lee", "role_id": 5, "building_id": 2, "primary_email": "a@x.org"},
         {"uid": 2, "school_uid": "S2", "name_last": "Kim", "role_id": 5, "building_id": 2},
         {"uid": 3, "school_uid": "T1", "name_last": "Ode", "role_id": 6, "building_id": 2},
         {"uid": 4, "school_uid": "", "name_last": "Admin"}]


def test_user_file_diff_adds_updates_field_by_field_and_removes():
    payloads = [{"school_uid": "S1", "name_last": "Lee-Reyes", "role_id": "5", "building_id": "2", "primary_email": "A@x.org"},
                {"school_uid": "T1", "name_last": "Ode", "role_id": "6", "building_id": "3"},
                {"school_uid": "S9", "name_last": "New", "role_id": "5", "building_id": "2"}]
    before = copy.deepcopy(USERS)
    diff = user_file_diff(payloads, USERS)
    assert USERS == before
    assert [(d["op"], d["key"]) for d in diff] == [("update", "S1"), ("update", "T1"), ("add", "S9"), ("remove", "S2")]
    assert diff[0]["changes"] == {"name_last": {"before": "Lee", "after": "Lee-Reyes"}}
    assert diff[1]["changes"] == {"building_id": {"before": 2, "after": "3"}}


def test_enrollment_file_diff_from_enroll_and_drop_rows():
    enrollments = [{"uid": 1, "admin": 0, "section_school_code": "A-01"}, {"uid": 3, "admin": 1, "section_school_code": "A-01"},
                   {"uid": 2, "admin": 0, "section_school_code": "B-01"}, {"uid": 4, "admin": 0, "section_school_code": "B-01"}]
    current = enrollment_rows(enrollments, USERS)
    assert current == [{"section_school_code": "A-01", "school_uid": "S1", "role": "student"},
                       {"section_school_code": "A-01", "school_uid": "T1", "role": "teacher"},
                       {"section_school_code": "B-01", "school_uid": "S2", "role": "student"}]
    rows = [{"section_school_code": "A-01", "school_uid": "S2", "role": "student", "action": "enroll"},
            {"section_school_code": "A-01", "school_uid": "S1", "role": "student", "action": "enroll"},
            {"section_school_code": "A-01", "school_uid": "S1", "role": "teacher", "action": ""},
            {"section_school_code": "B-01", "school_uid": "S2", "role": "student", "action": "drop"},
            {"section_school_code": "B-01", "school_uid": "S1", "role": "student", "action": "drop"}]
    diff = enrollment_file_diff(rows, current, sections=["A-01", "B-01"], school_uids=["S1", "S2", "T1"])
    assert [(d["op"], d["key"]) for d in diff] == [("update", "A-01|S1"), ("add", "A-01|S2"), ("remove", "B-01|S2")]
    assert diff[0]["changes"] == {"role": {"before": "student", "after": "teacher"}}


@pytest.mark.parametrize("row, message", [
    ({"section_school_code": "Z-01", "school_uid": "S1", "action": "enroll"}, "line 2: column 'section_school_code': unknown value 'Z-01'"),
    ({"section_school_code": "A-01", "school_uid": "S7", "action": "enroll"}, "line 2: column 'school_uid': unknown value 'S7'"),
    ({"section_school_code": "A-01", "school_uid": "S1", "action": "move"}, "line 2: column 'action': 'move'"),
])
def test_enrollment_file_diff_names_bad_rows(row, message):
    with pytest.raises(RecordError, match=message):
        enrollment_file_diff([row], [], sections=["A-01"], school_uids=["S1"])


def test_a_file_of_every_enrollment_reports_what_only_schoology_has():
    current = [{"section_school_code": "A-01", "school_uid": "S1", "role": "student"},
               {"section_school_code": "A-01", "school_uid": "S2", "role": "student"},
               {"section_school_code": "OLD-01", "school_uid": "S2", "role": "student"}]
    rows = [{"section_school_code": "A-01", "school_uid": "S1", "role": "student"},
            {"section_school_code": "NEW-01", "school_uid": "S9", "role": "student"}]
    diff = enrollment_file_diff(rows, current, everything=True, active_sections=["A-01", "NEW-01"])
    assert [(d["op"], d["key"]) for d in diff] == [("add", "NEW-01|S9"), ("remove", "A-01|S2")]
    assert [(d["op"], d["key"]) for d in enrollment_file_diff(rows, current)] == [("add", "NEW-01|S9")]


@pytest.mark.parametrize("columns, holds, everything", [
    (["section_school_code", "school_uid", "role"], "auto", True),
    (["section_school_code", "school_uid", "role", "action"], "auto", False),
    (["section_school_code", "school_uid", "role", "action"], "everything", True),
    (["section_school_code", "school_uid", "role"], "changes", False),
])
def test_holds_everything(columns, holds, everything):
    assert holds_everything(columns, holds) is everything


def test_holds_everything_names_the_parameter():
    with pytest.raises(ConfigurationError, match="file_holds"):
        holds_everything([], "all")


def test_parent_file_diff_in_both_directions():
    current = {("S1", "P1"), ("S2", "P1"), ("S3", "P2")}
    rows = [{"student_school_uid": "S1", "parent_school_uid": "P1", "action": "link"},
            {"student_school_uid": "S4", "parent_school_uid": "P2", "action": ""},
            {"student_school_uid": "S2", "parent_school_uid": "P1", "action": "unlink"},
            {"student_school_uid": "S3", "parent_school_uid": "P9", "action": "unlink"}]
    diff = parent_file_diff(rows, current)
    assert [(d["op"], d["key"]) for d in diff] == [("add", "S4|P2"), ("remove", "S2|P1")]
    every = parent_file_diff(rows[:2], current, everything=True)
    assert [(d["op"], d["key"]) for d in every] == [("add", "S4|P2"), ("remove", "S2|P1"), ("remove", "S3|P2")]
    with pytest.raises(RecordError, match="line 4: column 'student_school_uid': no active user with school_uid 'S4'"):
        parent_file_diff([rows[0], rows[0], rows[1]], current, school_uids=["S1", "P1", "P2"])
    with pytest.raises(RecordError, match="line 2: column 'action': 'move'"):
        parent_file_diff([{"student_school_uid": "S1", "parent_school_uid": "P1", "action": "move"}], current)


def test_section_file_diff_adds_updates_and_removes_active_sections():
    sections = [
        {"section_school_code": code, "course_code": course, "section_title": title, "grading_periods": periods,
         "active": active}
        for code, course, title, periods, active in (("A-01", "A", "A 01", "7,8", 1), ("A-02", "A", "A 02", "7", 1),
                                                     ("B-01", "B", "B 01", "7", 1), ("OLD-01", "O", "Old", "6", 0))
    ]
    current = section_rows(sections, {"6": "2025", "7": "S1", "8": "S2"})
    assert current[0]["grading_periods"] == "S1;S2" and len(current) == 3
    rows = [{"course_code": course, "section_school_code": code, "section_title": title, "grading_periods": periods}
            for course, code, title, periods in (("A", "A-01", "A 01", "s2; S1"), ("A", "A-02", "A 02 (Honors)", "S2"),
                                                 ("C", "C-01", "C 01", "S1"))]
    diff = section_file_diff(rows, current)
    assert [(d["op"], d["key"]) for d in diff] == [("update", "A-02"), ("add", "C-01"), ("remove", "B-01")]
    assert diff[0]["changes"] == {"section_title": {"before": "A 02", "after": "A 02 (Honors)"},
                                  "grading_periods": {"before": "S1", "after": "S2"}}
    with pytest.raises(RecordError, match="repeat the key 'A-01'"):
        section_file_diff([rows[0], rows[0]], current)
