"""Demo SIS files the validator must reject, each problem on a known line and column.

Part of :mod:`schoology_sandbox.sis_files`. Every bad row carries exactly one
problem, so the expected report is exact: ``{file: [{line, column, problem}, ...]}``
where ``problem`` is a phrase the validator's message contains.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from schoology_etl.provisioning.sis.sis_specs import SPECS
from schoology_sandbox.sis_rows import role_id, user_row
from schoology_sandbox.state import DistrictState


def _write(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _users(state: DistrictState) -> list[dict[str, Any]]:
    student = role_id(state, "Student")
    return [user_row(state, u) for u in state.users.values() if u["role_id"] == student][:10]


def write_invalid_files(folder: Path, state: DistrictState) -> dict[str, list[dict[str, Any]]]:
    """Write the invalid files into ``folder``; return the problems each must produce."""
    folder.mkdir(parents=True, exist_ok=True)
    header = list(SPECS["users"].columns)
    good = _users(state)
    bad = [
        good[0],
        good[1],
        dict(good[2], school_uid=good[0]["school_uid"]),
        dict(good[3], primary_email="not-an-email"),
        dict(good[4], birthday_date="2011-13-45"),
        dict(good[5], building_code="ZZZ"),
        dict(good[6], role="Studnet"),
        dict(good[7], grad_year="20X7"),
        dict(good[8], name_last=""),
        dict(good[9], primary_email="", username=""),
    ]
    _write(folder / "users_invalid.csv", header, bad)
    missing = [c for c in header if c not in ("name_last", "role")]
    _write(folder / "users_missing_columns.csv", missing, good[:3])

    periods = sorted(state.grading_periods.values(), key=lambda p: p["start"])
    section = next(iter(state.sections.values()))
    course = state.courses[section["course_id"]]
    code = {b["id"]: b["building_code"] for b in state.buildings.values()}[course["building_id"]]
    base = {
        "course_code": course["course_code"], "course_title": course["title"],
        "section_school_code": section["section_school_code"], "section_title": section["section_title"],
        "grading_periods": periods[-1]["title"], "building_code": code, "department": "",
    }
    sections = [
        base,
        dict(base, section_school_code=base["section_school_code"] + "-X", grading_periods="Term 9 1999-2000"),
        dict(base, section_title="Duplicate code"),
        dict(base, section_school_code=base["section_school_code"] + "-Y", building_code="XX"),
    ]
    _write(folder / "courses_sections_invalid.csv", list(SPECS["courses_sections"].columns), sections)
    cross = _write_cross_file(folder / "cross_file", state, section["section_school_code"])
    return {
        **cross,
        "users_invalid.csv": [
            {"line": 4, "column": "school_uid", "problem": "duplicate"},
            {"line": 5, "column": "primary_email", "problem": "malformed email"},
            {"line": 6, "column": "birthday_date", "problem": "malformed date"},
            {"line": 7, "column": "building_code", "problem": "unknown building code"},
            {"line": 8, "column": "role", "problem": "unknown role title"},
            {"line": 9, "column": "grad_year", "problem": "malformed year"},
            {"line": 10, "column": "name_last", "problem": "empty"},
            {"line": 11, "column": "primary_email or username", "problem": "neither primary_email nor username"},
        ],
        "users_missing_columns.csv": [
            {"line": 1, "column": "name_last", "problem": "required column missing"},
            {"line": 1, "column": "role", "problem": "required column missing"},
        ],
        "courses_sections_invalid.csv": [
            {"line": 3, "column": "grading_periods", "problem": "unknown grading period"},
            {"line": 4, "column": "section_school_code", "problem": "duplicate"},
            {"line": 5, "column": "building_code", "problem": "unknown building code"},
        ],
    }


def _write_cross_file(folder: Path, state: DistrictState, section_code: str) -> dict[str, list[dict[str, Any]]]:
    """An export whose enrollments and parents files name a student its users file lacks."""
    folder.mkdir(parents=True, exist_ok=True)
    student = role_id(state, "Student")
    links = sorted(state.parent_links)
    first = links[0]
    second = next(link for link in links if link[0] != first[0] and link[1] != first[1])  # other child, other parent
    (child, parent), (absent, absent_parent) = [(state.users[c], state.users[p]) for c, p in (first, second)]
    users = [user_row(state, u) for u in (child, parent, absent_parent)]
    assert absent["role_id"] == student
    _write(folder / "users_cross_file.csv", list(SPECS["users"].columns), users)
    _write(folder / "enrollments_cross_file.csv", list(SPECS["enrollments"].columns), [
        {"section_school_code": section_code, "school_uid": child["school_uid"], "role": "student",
         "action": "enroll"},
        {"section_school_code": section_code, "school_uid": absent["school_uid"], "role": "student",
         "action": "enroll"},
    ])
    _write(folder / "parents_cross_file.csv", list(SPECS["parents"].columns), [
        {"student_school_uid": child["school_uid"], "parent_school_uid": parent["school_uid"], "action": "link"},
        {"student_school_uid": absent["school_uid"], "parent_school_uid": absent_parent["school_uid"],
         "action": "link"},
    ])
    missing = {"column": "school_uid", "problem": "student " + absent["school_uid"] + " is not in the users file"}
    return {
        "enrollments_cross_file.csv": [{"line": 3, **missing}],
        "parents_cross_file.csv": [{"line": 3, **missing, "column": "student_school_uid"}],
    }

