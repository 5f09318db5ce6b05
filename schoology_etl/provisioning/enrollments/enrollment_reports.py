"""Rows for the read-only enrollment and section reports (``export_enrollments``, ``sections_without_teachers``).

Sections and enrollments come from :mod:`.section_reads` (enrollments tagged with their
section's id, code, course and building). Nothing here talks to the network or mutates
its input.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from schoology_etl.provisioning.courses.sections import sections_without_teachers
from schoology_etl.provisioning.rows import split_ids, text, truthy

ENROLLMENT_COLUMNS = ["section_school_code", "section_title", "course_code", "building", "school_uid",
                      "name_first", "name_last", "role", "status"]
log = logging.getLogger(__name__)

NO_TEACHER_COLUMNS = ["building", "section_school_code", "section_title", "course_code", "grading_periods", "students"]


def select_sections(
    sections: Iterable[Mapping[str, Any]],
    *,
    building_ids: Iterable[Any] = (),
    grading_period_ids: Iterable[Any] = (),
) -> list[dict[str, Any]]:
    """Sections (copies) in any of ``building_ids`` and on any of ``grading_period_ids``; empty means all."""
    buildings = {text(b) for b in building_ids} - {""}
    periods = {text(p) for p in grading_period_ids} - {""}
    return [
        dict(s) for s in sections
        if (not buildings or text(s.get("building_id")) in buildings)
        and (not periods or periods & set(split_ids(s.get("grading_periods"))))
    ]


def enrollment_rows(
    enrollments: Iterable[Mapping[str, Any]],
    sections: Iterable[Mapping[str, Any]],
    *,
    building_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per enrollment of ``sections`` (:data:`ENROLLMENT_COLUMNS`); role ``teacher`` when admin."""
    by_id = {text(s.get("id")): s for s in sections}
    names = building_names or {}
    rows = []
    for e in enrollments:
        section = by_id.get(text(e.get("section_id")))
        if section is not None:
            rows.append(_enrollment_row(e, section, names))
    return rows


def _enrollment_row(e: Mapping[str, Any], section: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    building = text(section.get("building_id"))
    return {
        "section_school_code": section.get("section_school_code"),
        "section_title": section.get("section_title"),
        "course_code": section.get("course_code"),
        "building": names.get(building, building),
        "school_uid": e.get("school_uid"),
        "name_first": e.get("name_first"),
        "name_last": e.get("name_last"),
        "role": "teacher" if truthy(e.get("admin")) else "student",
        "status": text(e.get("status")) or "1",
    }


#: the fields of a section :func:`write_enrollment_rows` and :func:`select_sections` read
SECTION_FIELDS = ("id", "section_school_code", "section_title", "building_id", "grading_periods")
#: rows of the export shown under the table
HEAD_ROWS = 20


@dataclasses.dataclass
class EnrollmentExport:
    """What :func:`write_enrollment_rows` wrote: the row count, rows per building and role, the first rows."""

    rows: int
    counts: dict[tuple[str, str], int]
    head_rows: list[dict[str, Any]]

    def crosstab(self) -> Any:
        """Rows per building (index) and role (columns) with ``total`` margins, as ``pandas.crosstab`` of the
        whole table gives them; "No enrollments." when none was written."""
        import pandas as pd

        if not self.rows:
            return "No enrollments."
        cells = pd.Series(self.counts, dtype="int64")
        table = cells.unstack(fill_value=0).sort_index().sort_index(axis=1)
        table.index.name, table.columns.name = "building", "role"
        table["total"] = table.sum(axis=1)
        table.loc["total"] = table.sum(axis=0)
        return table

    @property
    def head(self) -> Any:
        """The first :data:`HEAD_ROWS` rows as a ``pandas.DataFrame`` (:data:`ENROLLMENT_COLUMNS`)."""
        import pandas as pd

        return pd.DataFrame(self.head_rows, columns=ENROLLMENT_COLUMNS)


def write_enrollment_rows(
    enrollments: Iterable[Mapping[str, Any]],
    sections: Iterable[Mapping[str, Any]],
    path: Any,
    *,
    building_names: Mapping[str, str] | None = None,
) -> EnrollmentExport:
    """Write :func:`enrollment_rows` to the CSV file ``path`` as the enrollments stream in (none is held).

    The file is the one ``pandas.DataFrame(rows, columns=ENROLLMENT_COLUMNS).to_csv(path, index=False)``
    writes; it is written to a temporary name beside ``path`` and renamed when complete,
    so a failed read leaves no half file.
    """
    by_id = {text(s.get("id")): s for s in sections}
    names = building_names or {}
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    counts: dict[tuple[str, str], int] = {}
    head: list[dict[str, Any]] = []
    written = 0
    try:
        with partial.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow(ENROLLMENT_COLUMNS)
            for e in enrollments:
                section = by_id.get(text(e.get("section_id")))
                if section is None:
                    continue
                row = _enrollment_row(e, section, names)
                out.writerow(["" if row[c] is None else row[c] for c in ENROLLMENT_COLUMNS])
                key = (row["building"], row["role"])
                counts[key] = counts.get(key, 0) + 1
                if written < HEAD_ROWS:
                    head.append(row)
                written += 1
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("wrote %d enrollments of %d sections to %s", written, len(by_id), target.name)
    return EnrollmentExport(written, counts, head)


def no_teacher_rows(
    sections: Iterable[Mapping[str, Any]],
    enrollments: Iterable[Mapping[str, Any]],
    *,
    building_names: Mapping[str, str] | None = None,
    period_titles: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Active sections with no active teacher (:data:`NO_TEACHER_COLUMNS`), sorted by building and code.

    ``enrollments`` may hold those of other sections too (every building's, as read once for
    the teachers report): each is matched to its section by ``section_id``.
    """
    enrollments = list(enrollments)
    active = [s for s in sections if text(s.get("active")) != "0"]
    students: dict[str, int] = {}
    for e in enrollments:
        if not truthy(e.get("admin")):
            students[text(e.get("section_id"))] = students.get(text(e.get("section_id")), 0) + 1
    names, titles = building_names or {}, period_titles or {}
    rows = [
        {
            "building": names.get(text(s.get("building_id")), text(s.get("building_id"))),
            "section_school_code": s.get("section_school_code"),
            "section_title": s.get("section_title"),
            "course_code": s.get("course_code"),
            "grading_periods": "; ".join(titles.get(p, p) for p in split_ids(s.get("grading_periods"))),
            "students": students.get(text(s.get("id")), 0),
        }
        for s in sections_without_teachers(active, enrollments)
    ]
    return sorted(rows, key=lambda r: (r["building"], text(r["section_school_code"])))
