"""SIS ``courses_sections`` rows -> ``POST /courses`` items with nested sections (job ``import_courses_sections``).

One row per section; rows sharing a ``course_code`` become one course whose sections are
nested as ``sections: {section: [...]}``, the documented way to sync a course and its
sections in one call (with ``update_existing=1``). Grading periods are given by title
(``;`` separated) and the building by code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import required, text, where
from schoology_etl.provisioning.sis.sis_specs import split_list


def course_payloads(
    rows: Iterable[Mapping[str, Any]], *, grading_periods: Lookup, buildings: Lookup | None = None
) -> list[dict[str, Any]]:
    """Courses (first-seen order) with their sections nested, from ``courses_sections`` rows.

    Raises:
        RecordError: a required column is empty, a grading period or building is
            unknown, or rows of one course disagree on its title or building.
    """
    step = "course_payloads"
    courses: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    for i, row in enumerate(rows):
        code = required(row, "course_code", index=i, step=step)
        titles = split_list(required(row, "grading_periods", index=i, step=step))
        section = {
            "title": required(row, "section_title", index=i, step=step),
            "section_school_code": required(row, "section_school_code", index=i, step=step),
            "grading_periods": [grading_periods.resolve(t, index=i, field="grading_periods") for t in titles],
        }
        course = {"course_code": code, "title": required(row, "course_title", index=i, step=step)}
        if text(row.get("department")):
            course["department"] = text(row.get("department"))
        if buildings is not None and text(row.get("building_code")):
            course["building_id"] = buildings.resolve(row["building_code"], index=i, field="building_code")
        seen = courses.get(code)
        if seen is None:
            courses[code], first_line[code] = {**course, "sections": {"section": [section]}}, i
            continue
        for field in ("title", "building_id"):
            if field in course and text(seen.get(field)) != text(course[field]):
                raise RecordError(
                    f"{where(i)}: course {code!r} has {field} {course[field]!r} here but "
                    f"{seen.get(field)!r} on {where(first_line[code])}",
                    step=step,
                    index=i,
                    record=dict(row),
                )
        seen["sections"]["section"].append(section)
    return list(courses.values())
