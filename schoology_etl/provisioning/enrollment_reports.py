"""Rows for the read-only enrollment and section reports (``export_enrollments``, ``sections_without_teachers``).

Sections and enrollments come from :mod:`.section_reads` (enrollments tagged with their
section's id, code, course and building). Nothing here talks to the network or mutates
its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.rows import split_ids, text, truthy
from schoology_etl.provisioning.sections import sections_without_teachers

ENROLLMENT_COLUMNS = ["section_school_code", "section_title", "course_code", "building", "school_uid",
                      "name_first", "name_last", "role", "status"]
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
        if section is None:
            continue
        building = text(section.get("building_id"))
        rows.append({
            "section_school_code": section.get("section_school_code"),
            "section_title": section.get("section_title"),
            "course_code": section.get("course_code"),
            "building": names.get(building, building),
            "school_uid": e.get("school_uid"),
            "name_first": e.get("name_first"),
            "name_last": e.get("name_last"),
            "role": "teacher" if truthy(e.get("admin")) else "student",
            "status": text(e.get("status")) or "1",
        })
    return rows


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
