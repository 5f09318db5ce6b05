"""Plan changes for ``import_courses_sections``: SIS course/section rows vs the district's courses and sections.

======================== ==================================== ==========================
what                     realm / op                           key
======================== ==================================== ==========================
a new course             courses create (``POST /courses``)   ``course_code``
a changed course         courses update (title, department)   ``course_code``
a new section            sections create (``POST /courses``   ``section_school_code``
                         with the section nested,
                         ``update_existing=1``)
a changed section        sections update (title, periods)     ``section_school_code``
======================== ==================================== ==========================

Grading periods are compared as sets of ids. Nothing here talks to the network or
mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.plans.model import CREATE, UPDATE, Change
from schoology_etl.provisioning.courses.course_mapping import course_payloads
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import split_ids, text

COURSE_FIELDS = ("title", "department")
SECTION_FIELDS = ("section_title", "grading_periods")


def section_code_of(section_school_code: str, course_code: str) -> str:
    """The section's own code: its school code without the ``<course_code>-`` prefix."""
    prefix = f"{course_code}-"
    return section_school_code[len(prefix):] if section_school_code.startswith(prefix) else section_school_code


def _same_periods(a: Any, b: Any) -> bool:
    return sorted(split_ids(a)) == sorted(split_ids(b))


def course_section_changes(
    rows: Iterable[Mapping[str, Any]],
    *,
    courses: Iterable[Mapping[str, Any]],
    sections: Iterable[Mapping[str, Any]],
    grading_periods: Lookup,
    buildings: Lookup | None = None,
) -> list[Change]:
    """Creates and updates that make the district's courses and sections match ``rows``.

    Course creates come first, then course updates, section creates and section updates,
    each in file order. Sections of the district that the file does not list are left alone.

    Raises:
        RecordError: from :func:`.courses.course_payloads` (empty column, unknown grading
            period title or building code, disagreeing course rows), naming the line.
    """
    by_code = {text(c.get("course_code")): c for c in courses if text(c.get("course_code"))}
    by_section = {text(s.get("section_school_code")): s for s in sections if text(s.get("section_school_code"))}
    course_creates, course_updates, section_creates, section_updates = [], [], [], []
    for payload in course_payloads(rows, grading_periods=grading_periods, buildings=buildings):
        code = payload["course_code"]
        course = {k: v for k, v in payload.items() if k != "sections"}
        now = by_code.get(code)
        if now is None:
            course_creates.append(Change(0, CREATE, "courses", {"course_code": code}, None, {}, course))
        else:
            before = {f: now.get(f) for f in COURSE_FIELDS if f in course and text(now.get(f)) != text(course[f])}
            if before:
                course_updates.append(Change(0, UPDATE, "courses", {"course_code": code}, now.get("id"), before,
                                             {f: course[f] for f in before}))
        for section in payload["sections"]["section"]:
            school_code = section["section_school_code"]
            wanted: dict[str, Any] = {"section_title": section["title"],
                                      "grading_periods": list(section["grading_periods"])}
            current = by_section.get(school_code)
            section_key = {"section_school_code": school_code}
            if current is None:
                after: dict[str, Any] = {
                    "course_code": code, "course_title": course["title"],
                    **{f: course[f] for f in ("building_id", "department") if f in course},
                    "section_school_code": school_code, "section_code": section_code_of(school_code, code), **wanted,
                }
                section_creates.append(Change(0, CREATE, "sections", section_key, None, {}, after))
                continue
            before = {}
            if text(current.get("section_title")) != text(wanted["section_title"]):
                before["section_title"] = current.get("section_title")
            if not _same_periods(current.get("grading_periods"), wanted["grading_periods"]):
                before["grading_periods"] = [text(p) for p in split_ids(current.get("grading_periods"))]
            if before:
                section_updates.append(Change(0, UPDATE, "sections", section_key, current.get("id"),
                                              before, {f: wanted[f] for f in before}))
    ordered = course_creates + course_updates + section_creates + section_updates
    return [c.renumbered(n) for n, c in enumerate(ordered, start=1)]
