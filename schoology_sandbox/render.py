"""How stored records look on the wire (the API's own quirks included)."""

from __future__ import annotations

from typing import Any

from schoology_sandbox.routing import Call
from schoology_sandbox.state import DistrictState


def render_building(building: dict[str, Any], call: Call) -> dict[str, Any]:
    """A building (a school object)."""
    out = {k: v for k, v in building.items() if k not in {"grade_low", "grade_high"}}
    out["links"] = {"self": call.url(f"/schools/{building['id']}")}
    return out


def render_course(course: dict[str, Any], call: Call) -> dict[str, Any]:
    """A course."""
    return {**course, "links": {"self": call.url(f"/courses/{course['id']}")}}


#: Section options as the documentation's examples show them.
SECTION_OPTIONS = {
    "weighted_grading_categories": "0",
    "upload_documents": "0",
    "create_discussion": "0",
    "member_post": "1",
    "member_post_comment": "1",
}


def section_is_past(state: DistrictState, section: dict[str, Any]) -> bool:
    """Every grading period of the section ended before the district's today (none: never past)."""
    periods = state.grading_periods
    ends = [str(periods[g]["end"])[:10] for g in section.get("grading_periods", []) if g in periods]
    return bool(ends) and all(end < state.today.isoformat() for end in ends)


def render_section(state: DistrictState, section: dict[str, Any], call: Call) -> dict[str, Any]:
    """A section, with its course's title, code and levels as the API adds them.

    ``active`` is read-only and follows the grading periods: 0 once every one ended.
    """
    course = state.courses.get(section["course_id"], {})
    out = dict(section)
    out["course_title"] = course.get("title", "")
    out["course_code"] = course.get("course_code", "")
    for name in ("subject_area", "grade_level_range_start", "grade_level_range_end"):
        out[name] = str(course.get(name, ""))
    out["grading_periods"] = list(section.get("grading_periods", []))
    out["active"] = 0 if section_is_past(state, section) else 1
    out.setdefault("access_code", "")
    out.setdefault("profile_url", "")
    out.setdefault("weight", "0")
    out.setdefault("options", dict(SECTION_OPTIONS))
    out["admin"] = 1  # the API user (the System Admin) administers every section
    out["links"] = {"self": call.url(f"/sections/{section['id']}")}
    return out


def render_group(state: DistrictState, group: dict[str, Any], call: Call) -> dict[str, Any]:
    """A group."""
    options = {"invite_type": "0", "member_post": "1", "member_post_comment": "1", "create_discussion": "0",
               "create_files": "0"}
    return {"options": options, **group, "links": {"self": call.url(f"/groups/{group['id']}")}}


def render_enrollment(state: DistrictState, row: dict[str, Any], call: Call) -> dict[str, Any]:
    """An enrollment list row: ids as strings, with the user's school_uid and names."""
    user = state.users.get(row["uid"]) or state.inactive_users.get(row["uid"]) or {}
    realm_path = "sections" if row["realm"] == "section" else "groups"
    return {
        "id": str(row["id"]),
        "uid": str(row["uid"]),
        "school_uid": user.get("school_uid", ""),
        "name_title": user.get("name_title", ""),
        "name_title_show": str(user.get("name_title_show", 0)),
        "name_middle_show": str(user.get("name_middle_show", 0)),
        "name_first": user.get("name_first", ""),
        "name_first_preferred": user.get("name_first_preferred", ""),
        "name_middle": user.get("name_middle", ""),
        "name_last": user.get("name_last", ""),
        "name_display": user.get("name_display", ""),
        "admin": row["admin"],
        "status": str(row["status"]),
        "picture_url": "",
        "links": {"self": call.url(f"/{realm_path}/{row['realm_id']}/enrollments/{row['id']}")},
    }


def render_grading_period(period: dict[str, Any], call: Call | None = None) -> dict[str, Any]:
    """A grading period (with its self link when ``call`` is given)."""
    out = dict(period)
    if call is not None:
        out["links"] = {"self": call.url(f"/gradingperiods/{period['id']}")}
    return out
