"""Teachers without sections: teacher roles by title or choice, teaching anywhere counts."""

from __future__ import annotations

import pytest

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.courses.teacher_reports import teacher_role_ids, teachers_without_sections_rows

ROLES = [{"id": 1, "title": "Student"}, {"id": 2, "title": "teacher"}, {"id": 3, "title": "Substitute"}]
USERS = [
    {"uid": 10, "role_id": 2, "building_id": 100, "school_uid": "T10", "name_first": "Ann", "name_last": "Zed"},
    {"uid": "11", "role_id": "2", "building_id": 100, "school_uid": "T11", "name_first": "Bo", "name_last": "Young"},
    {"uid": 12, "role_id": 2, "building_id": 200, "school_uid": "T12", "name_first": "Cy", "name_last": "Xu"},
    {"uid": 13, "role_id": 3, "building_id": 200, "school_uid": "T13", "name_first": "Di", "name_last": "Wu"},
    {"uid": 14, "role_id": 1, "building_id": 200, "school_uid": "S14", "name_first": "Ed", "name_last": "Vo"},
    {"uid": 15, "role_id": 2, "building_id": 200, "school_uid": "T15", "name_first": "Fa", "name_last": "Ung"},
]
ENROLLMENTS = [
    {"section_id": 1, "uid": 10, "admin": 1, "status": 1},  # teaches
    {"section_id": 1, "uid": 11, "admin": "0", "status": "1"},  # a teacher enrolled as a member: not teaching
    {"section_id": 2, "uid": "15", "admin": "1", "status": "5"},  # archived: not teaching
    {"section_id": 9, "uid": 12, "admin": 1},  # teaches a section of another building: teaching
]
NAMES = {"100": "High", "200": "Middle"}


def test_default_teacher_role_is_the_one_titled_teacher_and_choices_are_checked():
    assert teacher_role_ids(ROLES) == {"2"}
    assert teacher_role_ids(ROLES, ["3", 2]) == {"2", "3"}
    with pytest.raises(ConfigurationError, match=r"teacher_roles: unknown role id\(s\) 7; known: 1 \(Student\)"):
        teacher_role_ids(ROLES, [7])
    with pytest.raises(ConfigurationError, match="teacher_roles: no role is titled 'Teacher'"):
        teacher_role_ids(ROLES[:1])


def test_teachers_with_no_active_admin_enrollment_anywhere():
    rows = teachers_without_sections_rows(USERS, ENROLLMENTS, role_ids={"2"}, building_names=NAMES,
                                          role_names={"2": "Teacher", "3": "Substitute"})
    assert [(r["building"], r["school_uid"], r["role"]) for r in rows] == [("High", "T11", "Teacher"), ("Middle", "T15", "Teacher")]
    with_subs = teachers_without_sections_rows(USERS, ENROLLMENTS, role_ids={"2", 3}, building_ids=[200])
    assert [(r["building"], r["school_uid"], r["role"]) for r in with_subs] == [("200", "T15", "2"), ("200", "T13", "3")]
