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


def render_section(state: DistrictState, section: dict[str, Any], call: Call) -> dict[str, Any]:
    """A section, with its course's title and code as the API adds them."""
    course = state.courses.get(section["course_id"], {})
    out = dict(section)
    out["course_title"] = course.get("title", "")
    out["course_code"] = course.get("course_code", "")
    out["grading_periods"] = list(section.get("grading_periods", []))
    out["links"] = {"self": call.url(f"/sections/{section['id']}")}
    return out


def render_group(state: DistrictState, group: dict[str, Any], call: Call) -> dict[str, Any]:
    """A group."""
    return {**group, "links": {"self": call.url(f"/groups/{group['id']}")}}


def render_enrollment(state: DistrictState, row: dict[str, Any], call: Call) -> dict[str, Any]:
    """An enrollment list row: ids as strings, with the user's school_uid and names."""
    user = state.users.get(row["uid"]) or state.inactive_users.get(row["uid"]) or {}
    realm_path = "sections" if row["realm"] == "section" else "groups"
    return {
        "id": str(row["id"]),
        "uid": str(row["uid"]),
        "school_uid": user.get("school_uid", ""),
        "name_title": user.get("name_title", ""),
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


def render_grading_period(period: dict[str, Any]) -> dict[str, Any]:
    """A grading period."""
    return dict(period)
