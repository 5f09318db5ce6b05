"""The SIS file validator's row-level report."""

from __future__ import annotations

from pathlib import Path

import pytest

from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning.lookups import building_lookup, grading_period_lookup, role_lookup
from schoology_etl.provisioning.sis.sis_specs import COURSES_SECTIONS, ENROLLMENTS, USERS, spec_for
from schoology_etl.provisioning.sis.sis_validation import raise_for_problems, validate_sis_file, validate_sis_rows

LOOKUPS = {
    "roles": role_lookup([{"id": 1, "title": "Student"}]),
    "buildings": building_lookup([{"id": 5, "building_code": "LES"}, {"id": 6, "building_code": "MHS"}]),
    "grading_periods": grading_period_lookup([{"id": 9, "title": "Term 1"}, {"id": 10, "title": "Term 2"}]),
}


def test_users_file_report(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(
        "\ufeffschool_uid,name_first,name_last,role,building_code,primary_email,birthday_date,grad_year,additional_building_codes\n"
        "S1,Ann,Lee,Student,LES,ann@x.org,2010-02-03,2028,MHS\n"
        "s1,Bo,Li,student,les,bo@x.org,,,\n"
        "S3,Cy,,Studnet,NOPE,cy@,2010-02-30,28,MHS;ZZ\n",
        encoding="utf-8",
    )
    report = validate_sis_file(path, USERS, **LOOKUPS)
    assert [(p["line"], p["column"], p["value"]) for p in report] == [
        (3, "school_uid", "s1"),
        (4, "name_last", ""),
        (4, "role", "Studnet"),
        (4, "building_code", "NOPE"),
        (4, "primary_email", "cy@"),
        (4, "grad_year", "28"),
        (4, "birthday_date", "2010-02-30"),
        (4, "additional_building_codes", "MHS;ZZ"),
    ]
    assert all(p["file"] == "users.csv" for p in report)
    problems = [p["problem"] for p in report]
    assert problems[0] == "duplicate key (first on line 2)"
    assert "did you mean 'Student'" in problems[2] and "unknown building code 'ZZ'" in problems[7]


def test_missing_required_columns_reported_on_line_1_and_rest_still_checked() -> None:
    rows = [{"school_uid": "S1", "name_first": "A", "primary_email": "bad"}]
    report = validate_sis_rows(["school_uid", "name_first", "primary_email"], rows, USERS)
    assert [(p["line"], p["column"], p["problem"]) for p in report] == [
        (1, "name_last", "required column missing"),
        (1, "role", "required column missing"),
        (1, "building_code", "required column missing"),
        (2, "primary_email", "malformed email"),
    ]


def test_lookups_are_optional() -> None:
    header = [*USERS.required, "username"]
    rows = [{"school_uid": "S1", "name_first": "A", "name_last": "B", "role": "Anything", "building_code": "X", "username": "ab"}]
    assert validate_sis_rows(header, rows, USERS) == []


def test_choices_and_grading_periods() -> None:
    rows = [
        {"section_school_code": "A", "school_uid": "S1", "role": "Teacher", "action": "enroll"},
        {"section_school_code": "A", "school_uid": "S2", "role": "aide", "action": "remove"},
    ]
    report = validate_sis_rows(list(ENROLLMENTS.columns), rows, ENROLLMENTS)
    assert [(p["line"], p["column"]) for p in report] == [(3, "role"), (3, "action")]
    sections = [{"course_code": "C", "course_title": "T", "section_school_code": "A", "section_title": "T", "grading_periods": "term 1; Term 7"}]
    report = validate_sis_rows(list(COURSES_SECTIONS.columns), sections, COURSES_SECTIONS, **LOOKUPS)
    assert [(p["column"], p["problem"]) for p in report] == [
        ("grading_periods", "unknown grading period title 'Term 7'; did you mean 'Term 2', 'Term 1'?")]


def test_raise_for_problems_names_file_line_and_count() -> None:
    raise_for_problems([])
    report = validate_sis_rows(["school_uid"], [], USERS, file="users.csv")
    with pytest.raises(SourceFormatError) as info:
        raise_for_problems(report)
    assert str(info.value).startswith("users.csv, line 1: column 'name_first', value None: required column missing (and 4 more")


def test_spec_for() -> None:
    assert spec_for("users") is USERS
    with pytest.raises(ConfigurationError, match="unknown SIS file kind 'pupils'"):
        spec_for("pupils")


def test_unreadable_files_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="nope.csv: cannot read the file"):
        validate_sis_file(tmp_path / "nope.csv", USERS)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("school_uid,name_first\nS1,Ren\xe9e\n".encode("latin-1"))
    with pytest.raises(SourceFormatError, match="latin.csv.*not a UTF-8 CSV file"):
        validate_sis_file(latin, USERS)
