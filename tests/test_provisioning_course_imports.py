"""course_imports: a courses and sections file is checked whole, every problem shown, the first one named."""

from __future__ import annotations

import pytest

from schoology_etl.errors import SourceFormatError
from schoology_etl.provisioning.courses.course_imports import read_course_rows
from schoology_etl.provisioning.lookups import building_lookup, grading_period_lookup

GP = grading_period_lookup([{"id": 2, "title": "Term 1"}, {"id": 3, "title": "Term 2"}])
BUILDINGS = building_lookup([{"id": 20, "building_code": "MHS"}])
HEADER = "course_code,course_title,section_school_code,section_title,grading_periods,building_code\n"


def test_valid_rows_are_read_and_an_empty_report_shown(tmp_path):
    good = tmp_path / "courses_sections.csv"
    good.write_text(HEADER + "MHS-ALG1,Algebra I,MHS-ALG1-01,Period 1,Term 1;Term 2,MHS\n")
    shown = []
    rows = read_course_rows(good, buildings=BUILDINGS, grading_periods=GP, show=shown.append)
    assert [(r["section_school_code"], r["grading_periods"]) for r in rows] == [("MHS-ALG1-01", "Term 1;Term 2")]
    assert shown == [[]]


def test_every_problem_is_shown_then_the_first_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "MHS-ALG1,Algebra I,MHS-ALG1-01,Period 1,Term 9,MHS\n"
                   "MHS-ALG1,Algebra I,MHS-ALG1-02,P2,Term 1,ZZZ\n")
    shown = []
    with pytest.raises(SourceFormatError, match=r"bad.csv, line 2: column 'grading_periods', value 'Term 9'.*1 more"):
        read_course_rows(bad, buildings=BUILDINGS, grading_periods=GP, show=shown.append)
    assert [(p["line"], p["column"]) for p in shown[0]] == [(2, "grading_periods"), (3, "building_code")]
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER)
    with pytest.raises(SourceFormatError, match="empty.csv: the file has a header but no section rows"):
        read_course_rows(empty, buildings=BUILDINGS, grading_periods=GP)
