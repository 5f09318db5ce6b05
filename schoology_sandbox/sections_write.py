"""Validation and writes of courses and sections (bulk rows, nested sections)."""

from __future__ import annotations

from typing import Any

from schoology_sandbox.envelopes import row_error, to_int
from schoology_sandbox.routing import Call

COURSE_FIELDS = (
    "title",
    "course_code",
    "building_id",
    "department",
    "description",
    "credits",
    "synced",
    "grade_level_range_start",
    "grade_level_range_end",
    "subject_area",
    "district_course_name",
)
SECTION_FIELDS = (
    "section_title",
    "section_code",
    "section_school_code",
    "grading_periods",
    "description",
    "location",
    "meeting_days",
    "start_time",
    "end_time",
    "class_periods",
    "synced",
    "active",
)


def _check_course(call: Call, item: dict[str, Any], *, creating: bool) -> tuple[int, str] | None:
    if creating:
        for name in ("title", "course_code"):
            if not str(item.get(name, "")).strip():
                return 400, f"Missing required field: {name}"
    if item.get("building_id") not in (None, ""):
        bid = to_int(item["building_id"])
        if bid is None:
            return 400, f"Invalid building_id: {item['building_id']!r}"
        if bid not in call.state.buildings:
            return 404, f"Building {bid} not found"
    for name in ("grade_level_range_start", "grade_level_range_end"):
        if item.get(name) not in (None, ""):
            level = to_int(item[name])
            if level is None or not 0 <= level <= 15:
                return 400, f"Invalid {name}: {item[name]!r} (0-15)"
    if item.get("subject_area") not in (None, ""):
        area = to_int(item["subject_area"])
        if area is None or not 0 <= area <= 9:
            return 400, f"Invalid subject_area: {item['subject_area']!r} (0-9)"
    return None


def write_course(call: Call, item: Any, *, course_id: int | None = None) -> dict[str, Any]:
    """Create (or, with ``update_existing``/an id, update) one course and its nested sections."""
    state = call.state
    if not isinstance(item, dict):
        return row_error(400, "Each course must be an object")
    code = str(item.get("course_code", "")).strip()
    existing = state.courses.get(course_id) if course_id is not None else (state.course_by_code(code) if code else None)
    if course_id is not None and existing is None:
        return row_error(404, f"Course {course_id} not found", id=course_id)
    if existing is not None and course_id is None and not call.flag("update_existing"):
        return row_error(409, f"A course with course_code {code} already exists", course_code=code, id=existing["id"])
    problem = _check_course(call, item, creating=existing is None)
    if problem:
        return row_error(problem[0], problem[1], course_code=code)
    fields = {k: item[k] for k in COURSE_FIELDS if k in item}
    if fields.get("building_id") in (None, ""):
        fields.pop("building_id", None)  # keep the current (or default) building
    else:
        fields["building_id"] = to_int(fields["building_id"])
    if existing is not None:
        if code and code != existing["course_code"]:
            other = state.course_by_code(code)
            if other is not None and other["id"] != existing["id"]:
                return row_error(409, f"A course with course_code {code} already exists", course_code=code)
        course = state.update_course(existing["id"], fields)
        status = 200
    else:
        defaults = {
            "building_id": next(iter(state.buildings)),
            "department": "",
            "description": "",
            "credits": "",
            "synced": 0,
            "subject_area": 0,
            "grade_level_range_start": 0,
            "grade_level_range_end": 0,
            "district_course_name": "",
        }
        course = state.add_course({**defaults, **fields, "course_code": code})
        status = 201
    row: dict[str, Any] = {
        "response_code": status,
        "id": course["id"],
        "course_code": course["course_code"],
        "location": call.url(f"/courses/{course['id']}"),
    }
    nested = item.get("sections")
    if isinstance(nested, dict):
        sections = nested.get("section", [])
        sections = [sections] if isinstance(sections, dict) else sections
        row["sections"] = {"section": [write_section(call, course["id"], s) for s in sections]}
    return row


def _grading_periods(call: Call, value: Any) -> list[int] | tuple[int, str]:
    raw = value if isinstance(value, list) else [v for v in str(value).split(",") if v.strip()]
    ids = []
    for entry in raw:
        gid = to_int(entry)
        if gid is None:
            return 400, f"Invalid grading period id: {entry!r}"
        if gid not in call.state.grading_periods:
            return 404, f"Grading period {gid} not found"
        ids.append(gid)
    if not ids:
        return 400, "Missing required field: grading_periods"
    return ids


def write_section(call: Call, course_id: int, item: Any, *, section_id: int | None = None) -> dict[str, Any]:
    """Create or update one section of ``course_id`` (bulk row).

    A new section matches an existing one on ``section_school_code`` (or ``section_code``
    + grading periods within the course); that is a 409 unless ``update_existing=1``.
    """
    state = call.state
    if not isinstance(item, dict):
        return row_error(400, "Each section must be an object")
    item = dict(item)
    if "title" in item and "section_title" not in item:
        item["section_title"] = item.pop("title")
    school_code = str(item.get("section_school_code", "") or "").strip()
    code = str(item.get("section_code", "") or "").strip()
    ids: dict[str, Any] = {"section_school_code": school_code, "section_code": code}
    periods: list[int] | None = None
    if "grading_periods" in item or section_id is None:
        checked = _grading_periods(call, item.get("grading_periods", []))
        if isinstance(checked, tuple):
            return row_error(checked[0], checked[1], **ids)
        periods = checked
    if section_id is None:
        if not str(item.get("section_title", "")).strip():
            return row_error(400, "Missing required field: title", **ids)
        if not school_code and not code:
            return row_error(400, "Missing required field: section_code or section_school_code", **ids)
        existing = (
            state.section_by_school_code(school_code)
            if school_code
            else next(
                (
                    s
                    for s in state.sections.values()
                    if s["course_id"] == course_id
                    and s["section_code"] == code
                    and sorted(s["grading_periods"]) == sorted(periods or [])
                ),
                None,
            )
        )
        if existing is not None and not call.flag("update_existing"):
            return row_error(409, f"Section {school_code or code} already exists", id=existing["id"], **ids)
        if existing is not None and existing["course_id"] != course_id:
            return row_error(409, f"section_school_code {school_code} belongs to another course", **ids)
        section_id = existing["id"] if existing is not None else None
    elif section_id not in state.sections:
        return row_error(404, f"Section {section_id} not found", id=section_id)
    elif school_code:
        other = state.section_by_school_code(school_code)
        if other is not None and other["id"] != section_id:
            return row_error(409, f"section_school_code {school_code} is already used", id=section_id, **ids)
    fields = {k: item[k] for k in SECTION_FIELDS if k in item}
    if periods is not None:
        fields["grading_periods"] = periods
    if section_id is not None:
        section = state.update_section(section_id, fields)
        status = 200
    else:
        course = state.courses[course_id]
        defaults = {
            "section_code": "",
            "section_school_code": "",
            "description": "",
            "location": "",
            "meeting_days": [],
            "start_time": "",
            "end_time": "",
            "active": 1,
            "synced": 0,
        }
        section = state.add_section(
            {
                **defaults,
                **fields,
                "course_id": course_id,
                "school_id": state.school["id"],
                "building_id": course["building_id"],
            }
        )
        status = 201
    return {
        "response_code": status,
        "id": section["id"],
        "section_school_code": section["section_school_code"],
        "section_code": section["section_code"],
        "location": call.url(f"/sections/{section['id']}"),
    }
