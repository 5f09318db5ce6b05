"""Rows naming a section by course code + section code get its section school code; bad rows name their line."""

from __future__ import annotations

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import RecordError
from schoology_etl.provisioning.enrollments import enrollment_sections
from schoology_etl.provisioning.enrollments.enrollment_sections import fill_section_school_codes

SECTIONS = [
    {"id": "1", "course_code": "MATH101", "section_code": "01", "section_school_code": "MHS-MATH101-01"},
    {"id": "2", "course_code": "MATH101", "section_code": "02", "section_school_code": "MHS-MATH101-02"},
    {"id": "3", "course_code": "ART200", "section_code": "01", "section_school_code": ""},
    {"id": "4", "course_code": "BIO300", "section_code": "01", "section_school_code": "MHS-BIO-01"},
    {"id": "5", "course_code": "BIO300", "section_code": "01", "section_school_code": "NGA-BIO-01"},
]
COURSES = {"MATH101", "ART200", "BIO300", "CHEM100"}


def _row(**cells: str) -> dict[str, str]:
    return {"section_school_code": "", "course_code": "", "section_code": "", "school_uid": "S1", "role": "student", **cells}


def _fill(*rows: dict[str, str]) -> list[dict[str, str]]:
    return fill_section_school_codes(rows, sections=SECTIONS, courses_read=COURSES)


def test_either_form_per_row_gets_the_section_school_code():
    rows = _fill(_row(section_school_code="X-9"), _row(course_code="MATH101", section_code="02"),
                 _row(course_code="MATH101", section_code="01", section_school_code="KEPT"))
    assert [r["section_school_code"] for r in rows] == ["X-9", "MHS-MATH101-02", "KEPT"]
    assert rows[1]["course_code"] == "MATH101" and rows[1]["school_uid"] == "S1"


@pytest.mark.parametrize(("cells", "words"), [
    ({}, ["line 3", "'section_school_code' is empty", "'course_code' and 'section_code'"]),
    ({"course_code": "MATH101"}, ["line 3", "'section_code'"]),
    ({"course_code": "MATH11", "section_code": "01"}, ["line 3", "unknown course code 'MATH11'", "did you mean 'MATH101'"]),
    ({"course_code": "CHEM100", "section_code": "01"}, ["line 3", "course 'CHEM100' has no section with section code '01'; it has no sections"]),
    ({"course_code": "MATH101", "section_code": "03"}, ["line 3", "section code '03'; its section codes are '01', '02'"]),
    ({"course_code": "BIO300", "section_code": "01"}, ["line 3", "name 2 sections", "section school code"]),
    ({"course_code": "ART200", "section_code": "01"}, ["line 3", "(id 3) has no section school code"]),
])
def test_a_row_that_names_no_known_section_names_its_line(cells, words):
    with pytest.raises(RecordError) as caught:
        _fill(_row(section_school_code="X-9"), _row(**cells))
    assert all(w in str(caught.value) for w in words), str(caught.value)
    assert caught.value.index == 1


def test_course_codes_are_those_of_rows_without_a_section_school_code():
    rows = [_row(section_school_code="X-9", course_code="IGNORED"), _row(course_code="MATH101", section_code="01"),
            _row(course_code="MATH101", section_code="02"), _row(course_code="ART200", section_code="01")]
    assert enrollment_sections.course_codes(rows) == ["ART200", "MATH101"]


def test_resolves_through_the_sandbox_in_two_requests_and_none_without_course_codes(sandbox):
    state = sandbox.state()
    courses = {str(c["id"]): c["course_code"] for c in state["courses"].values()}
    section = sorted(state["sections"].values(), key=lambda s: s["id"])[-1]  # a past section: read with include_past
    course = courses[str(section["course_id"])]
    with SchoologyClient(Credentials(base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret), rate_limit=1000) as api:
        assert enrollment_sections.resolve_section_codes(api, [_row(section_school_code="X-1")]) == [_row(section_school_code="X-1")]
        assert api.stats.requests == 0
        rows = enrollment_sections.resolve_section_codes(api, [_row(course_code=course, section_code=section["section_code"])])
        assert rows[0]["section_school_code"] == section["section_school_code"]
        assert api.stats.requests == -(-len(state["courses"]) // 200) + 1
        with pytest.raises(RecordError, match=r"line 2: column 'course_code': unknown course code 'NOPE'"):
            enrollment_sections.resolve_section_codes(api, [_row(course_code="NOPE", section_code="01")])
