"""Course payloads with nested sections, parent association items, section archiving, user export rows."""

from __future__ import annotations

import pytest

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.courses.course_mapping import course_payloads
from schoology_etl.provisioning.families.associations import association_items
from schoology_etl.provisioning.lookups import building_lookup, grading_period_lookup, role_lookup
from schoology_etl.provisioning.users.user_mapping import sis_user_row, user_payload

PERIODS = grading_period_lookup([{"id": 8, "title": "Term 1"}, {"id": 9, "title": "Full Year"}])
BUILDINGS = building_lookup([{"id": 5, "building_code": "MHS"}, {"id": 6, "building_code": "NGA"}])
ROLES = role_lookup([{"id": 1, "title": "Student"}])


def section_row(code: str, section: str, **kw: str) -> dict:
    base = {"course_code": code, "course_title": "Algebra", "section_school_code": section,
            "section_title": f"Algebra {section}", "grading_periods": "term 1; Full Year", "building_code": "MHS"}
    return {**base, **kw}


def test_rows_of_one_course_nest_their_sections() -> None:
    rows = [section_row("ALG", "A1", department="Math"), section_row("GEO", "G1"), section_row("ALG", "A2", grading_periods="Term 1")]
    assert course_payloads(rows, grading_periods=PERIODS, buildings=BUILDINGS) == [
        {"course_code": "ALG", "title": "Algebra", "department": "Math", "building_id": "5", "sections": {"section": [
            {"title": "Algebra A1", "section_school_code": "A1", "grading_periods": ["8", "9"]},
            {"title": "Algebra A2", "section_school_code": "A2", "grading_periods": ["8"]},
        ]}},
        {"course_code": "GEO", "title": "Algebra", "building_id": "5", "sections": {"section": [
            {"title": "Algebra G1", "section_school_code": "G1", "grading_periods": ["8", "9"]},
        ]}},
    ]


def test_course_rows_that_disagree_or_name_unknown_periods() -> None:
    with pytest.raises(RecordError, match="line 3: course 'ALG' has building_id '6' here but '5' on line 2"):
        course_payloads([section_row("ALG", "A1"), section_row("ALG", "A2", building_code="NGA")], grading_periods=PERIODS, buildings=BUILDINGS)
    with pytest.raises(RecordError, match="line 2: column 'grading_periods': unknown grading period title 'Term 9'"):
        course_payloads([section_row("ALG", "A1", grading_periods="Term 9")], grading_periods=PERIODS)


def test_association_items_skip_no_ops_when_current_links_are_known() -> None:
    rows = [
        {"student_school_uid": "S1", "parent_school_uid": "P1"},
        {"student_school_uid": "S2", "parent_school_uid": "P1", "action": "unlink"},
        {"student_school_uid": "S3", "parent_school_uid": "P1", "action": "Link"},
    ]
    assert association_items(rows) == [
        {"student_school_uid": "S1", "parent_school_uid": "P1"},
        {"student_school_uid": "S2", "parent_school_uid": "P1", "delete": "1"},
        {"student_school_uid": "S3", "parent_school_uid": "P1"},
    ]
    assert association_items(rows, current_links=[("S1", "P1"), ("S2", "P1")]) == [
        {"student_school_uid": "S2", "parent_school_uid": "P1", "delete": "1"},
        {"student_school_uid": "S3", "parent_school_uid": "P1"},
    ]
    with pytest.raises(RecordError, match="line 2: column 'action': 'remove'"):
        association_items([{"student_school_uid": "S1", "parent_school_uid": "P1", "action": "remove"}])


def test_export_row_is_the_inverse_of_the_import_payload() -> None:
    user = {"uid": "7", "school_uid": "S7", "name_first": "Ann", "name_last": "Lee", "primary_email": "a@x.org",
            "role_id": 1, "building_id": 5, "additional_buildings": "6", "grad_year": "2030", "birthday_date": "2012-01-02",
            "name_middle": "", "username": ""}
    row = sis_user_row(user, roles=ROLES, buildings=BUILDINGS)
    assert row["role"] == "Student" and row["building_code"] == "MHS" and row["additional_building_codes"] == "NGA"
    payload = user_payload(row, roles=ROLES, buildings=BUILDINGS)
    assert payload == {k: str(v) for k, v in user.items() if k not in ("uid", "name_middle", "username")}
