"""export_enrollments' rows written as they stream in: the same file, cross table and first rows as a whole table."""

from __future__ import annotations

import pandas as pd
import pytest

from schoology_etl.provisioning.enrollments.enrollment_reports import (
    ENROLLMENT_COLUMNS,
    enrollment_rows,
    select_sections,
    write_enrollment_rows,
)

SECTIONS = [
    {"id": 1, "section_school_code": "MHS-ENG-01", "section_title": 'English, "honors"', "course_code": "MHS-ENG",
     "building_id": 10, "grading_periods": [7]},
    {"id": 2, "section_school_code": "LES-ART-01", "section_title": "Art", "course_code": None, "building_id": 20,
     "grading_periods": [8]},
]
NAMES = {"10": "Maplewood High", "20": "Lakeside Elementary"}


def _enrollments(n: int):
    for i in range(n):
        yield {"section_id": str(1 + i % 3), "school_uid": None if i % 11 == 0 else f"S{i}", "name_first": "Zoë",
               "name_last": "O'Neil, Jr" if i % 5 == 0 else "Lee", "admin": 1 if i % 9 == 0 else 0,
               "status": "" if i % 4 == 0 else 2}


@pytest.mark.parametrize("n", [0, 7, 120])
def test_streamed_export_equals_the_whole_table(tmp_path, n: int) -> None:
    table = pd.DataFrame(enrollment_rows(_enrollments(n), SECTIONS, building_names=NAMES), columns=ENROLLMENT_COLUMNS)
    table.to_csv(tmp_path / "whole.csv", index=False)

    export = write_enrollment_rows(_enrollments(n), SECTIONS, tmp_path / "streamed.csv", building_names=NAMES)
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert export.rows == len(table)
    pd.testing.assert_frame_equal(export.head, table.head(20))
    if n:
        expected = pd.crosstab(table["building"], table["role"], margins=True, margins_name="total")
        pd.testing.assert_frame_equal(export.crosstab(), expected)
    else:
        assert export.crosstab() == "No enrollments."
    assert not list(tmp_path.glob("*.partial"))


def test_a_failed_read_leaves_no_file(tmp_path) -> None:
    def broken():
        yield from _enrollments(5)
        raise ConnectionError("read failed")

    with pytest.raises(ConnectionError):
        write_enrollment_rows(broken(), SECTIONS, tmp_path / "out.csv", building_names=NAMES)
    assert list(tmp_path.iterdir()) == []


def test_select_sections_reads_only_the_kept_fields() -> None:
    slim = [{k: s[k] for k in ("id", "section_school_code", "section_title", "building_id", "grading_periods",
                                "course_code")} for s in SECTIONS]
    assert select_sections(slim, grading_period_ids=["8"]) == [slim[1]]
