"""School, buildings, roles and grading periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schoology_sandbox.envelopes import bulk_items, multi_status, page, row_error, whole_list
from schoology_sandbox.render import render_building, render_grading_period
from schoology_sandbox.routing import Call, Reply, Route, bad_request, forbidden, no_content, not_found

_BUILDING_FIELDS = (
    "title",
    "building_code",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "website",
    "phone",
    "fax",
    "picture_url",
)


def list_schools(call: Call) -> Reply:
    return whole_list("school", [call.state.school])


def get_school(call: Call) -> Reply:
    sid = call.int_param("id")
    state = call.state
    if sid == state.school["id"]:
        return Reply(200, {**state.school, "links": {"self": call.url(f"/schools/{sid}")}})
    if sid in state.buildings:
        return Reply(200, render_building(state.buildings[sid], call))
    return not_found()


def list_buildings(call: Call) -> Reply:
    sid = call.int_param("id")
    if sid != call.state.school["id"]:
        return not_found()
    return whole_list("building", list(call.state.buildings.values()), lambda b: render_building(b, call))


def _check_building(call: Call, item: dict[str, Any], *, creating: bool, self_id: int | None = None) -> Reply | None:
    if creating and not str(item.get("title", "")).strip():
        return bad_request("Missing required field: title")
    code = str(item.get("building_code", "") or "")
    if code and any(b["building_code"] == code and b["id"] != self_id for b in call.state.buildings.values()):
        return Reply(409, f"building_code {code} is already used")
    return None


def create_building(call: Call) -> Reply:
    if call.int_param("id") != call.state.school["id"]:
        return not_found()
    if not isinstance(call.body, dict):
        return bad_request("Request body must be a JSON object.")
    problem = _check_building(call, call.body, creating=True)
    if problem:
        return problem
    state = call.state
    bid = state.ids.allocate()
    building = {
        "id": bid,
        "school_id": state.school["id"],
        "grade_low": 0,
        "grade_high": 12,
        **{k: "" for k in _BUILDING_FIELDS},
        **{k: call.body[k] for k in _BUILDING_FIELDS if k in call.body},
    }
    state.buildings[bid] = building
    state.touch()
    return Reply(201, render_building(building, call))


def update_school(call: Call) -> Reply:
    sid = call.int_param("id")
    state = call.state
    if not isinstance(call.body, dict):
        return bad_request("Request body must be a JSON object.")
    target = state.school if sid == state.school["id"] else state.buildings.get(sid)
    if target is None:
        return not_found()
    problem = _check_building(call, call.body, creating=False, self_id=sid)
    if problem:
        return problem
    target.update({k: call.body[k] for k in _BUILDING_FIELDS if k in call.body})
    state.touch()
    return no_content()


def delete_school(call: Call) -> Reply:
    sid = call.int_param("id")
    state = call.state
    if sid == state.school["id"]:
        return forbidden()  # a district cannot delete itself
    if sid not in state.buildings:
        return not_found()
    if any(u["building_id"] == sid for u in state.users.values()):
        return forbidden()  # buildings with users are not deletable
    del state.buildings[sid]
    state.touch()
    return no_content()


def list_roles(call: Call) -> Reply:
    state = call.state
    def render(role: dict[str, Any]) -> dict[str, Any]:
        return {**role, "links": {"self": call.url(f"/roles/{role['id']}")}}

    return whole_list("role", list(state.roles.values()), render, building_role=list(state.building_roles.values()))


def get_role(call: Call) -> Reply:
    rid = call.int_param("id")
    role = call.state.roles.get(rid) or call.state.building_roles.get(rid)
    return Reply(200, role) if role else not_found()


# ---------------------------------------------------------------------- grading periods
def list_grading_periods(call: Call) -> Reply:
    rows = list(call.state.grading_periods.values())
    title = call.query.get("title")
    if title:
        if call.flag("startswith"):
            rows = [g for g in rows if g["title"].lower().startswith(title.lower())]
        else:
            rows = [g for g in rows if g["title"].lower() == title.lower()]
    if not rows:
        return Reply(200, {"total": 0})
    return whole_list("gradingperiods", rows, lambda g: render_grading_period(g, call))


def get_grading_period(call: Call) -> Reply:
    gid = call.int_param("id")
    period = call.state.grading_periods.get(gid)
    return Reply(200, render_grading_period(period)) if period else not_found()


def _check_period(call: Call, item: Any, *, self_id: int | None) -> tuple[int, str] | None:
    if not isinstance(item, dict):
        return 400, "Each grading period must be an object"
    current = call.state.grading_periods.get(self_id, {}) if self_id else {}
    merged = {**current, **item}
    for name in ("title", "start", "end"):
        if not str(merged.get(name, "")).strip():
            return 400, f"Missing required field: {name}"
    try:
        start, end = dt.date.fromisoformat(str(merged["start"])), dt.date.fromisoformat(str(merged["end"]))
    except ValueError:
        return 400, "start and end must be YYYY-MM-DD"
    if end < start:
        return 400, "end is before start"
    for other in call.state.grading_periods.values():
        if other["id"] != self_id and other["title"].lower() == str(merged["title"]).lower():
            return 409, f"A grading period titled {merged['title']!r} already exists"
    return None


def create_grading_periods(call: Call) -> Reply:
    body = call.body
    single = isinstance(body, dict) and "gradingperiods" not in body
    items = bulk_items(call, "gradingperiods", "gradingperiod")
    if isinstance(items, Reply):
        return items
    rows = []
    state = call.state
    for item in items:
        problem = _check_period(call, item, self_id=None)
        if problem:
            rows.append(row_error(*problem))
            continue
        gid = state.ids.allocate()
        state.grading_periods[gid] = {
            "id": gid,
            "title": str(item["title"]),
            "start": str(item["start"]),
            "end": str(item["end"]),
            "active": 1,
        }
        state.touch()
        rows.append({"response_code": 201, "id": gid, "location": call.url(f"/gradingperiods/{gid}")})
    if single:
        row = rows[0]
        if row["response_code"] >= 400:
            return Reply(row["response_code"], row["message"])
        return Reply(201, render_grading_period(state.grading_periods[row["id"]], call))
    return multi_status("gradingperiods", rows)


def update_grading_period(call: Call) -> Reply:
    gid = call.int_param("id")
    state = call.state
    if gid not in state.grading_periods:
        return not_found()
    problem = _check_period(call, call.body, self_id=gid)
    if problem:
        return Reply(problem[0], problem[1])
    state.grading_periods[gid].update({k: call.body[k] for k in ("title", "start", "end", "active") if k in call.body})
    state.touch()
    return no_content()


def section_grading_periods(call: Call) -> Reply:
    sid = call.int_param("id")
    state = call.state
    section = state.sections.get(sid)
    if section is None:
        return not_found()
    ids = section.get("grading_periods", [])
    rows = [{**state.grading_periods[g], "weight": round(100 / len(ids), 2)} for g in ids if g in state.grading_periods]
    return page(call, rows, "grading_period")


ROUTES = [
    Route("GET", "/schools", list_schools),
    Route("GET", "/schools/{id}", get_school),
    Route("PUT", "/schools/{id}", update_school),
    Route("DELETE", "/schools/{id}", delete_school),
    Route("GET", "/schools/{id}/buildings", list_buildings),
    Route("POST", "/schools/{id}/buildings", create_building),
    Route("GET", "/roles", list_roles),
    Route("GET", "/roles/{id}", get_role),
    Route("GET", "/gradingperiods", list_grading_periods),
    Route("POST", "/gradingperiods", create_grading_periods),
    Route("GET", "/gradingperiods/{id}", get_grading_period),
    Route("PUT", "/gradingperiods/{id}", update_grading_period),
    Route("GET", "/sections/{id}/grading_periods", section_grading_periods),
]
