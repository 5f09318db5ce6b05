"""What an SIS users or enrollments file would change (read-only diffs)."""

from __future__ import annotations

import copy

import pytest

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.sis_reconcile import enrollment_file_diff, enrollment_rows, user_file_diff

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
