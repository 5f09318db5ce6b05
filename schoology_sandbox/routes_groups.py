"""Groups: list, one, create (one or bulk), update, delete."""

from __future__ import annotations

from typing import Any

from schoology_sandbox.envelopes import bulk_items, multi_status, page, row_error, to_int
from schoology_sandbox.render import render_group
from schoology_sandbox.routing import Call, Reply, Route, bad_request, no_content, not_found

GROUP_FIELDS = (
    "title",
    "description",
    "website",
    "privacy_level",
    "category",
    "group_code",
    "building_id",
    "picture_url",
)
#: Privacy levels a write may set; "custom" is read only ("not supported in POST/PUT", documented).
PRIVACY = {"everyone", "school", "building", "group"}


def list_groups(call: Call) -> Reply:
    state = call.state
    building = to_int(call.query.get("building_id")) if call.query.get("building_id") else None
    rows = [g for g in state.groups.values() if building is None or g["building_id"] == building]
    return page(call, rows, "group", lambda g: render_group(state, g, call))


def get_group(call: Call) -> Reply:
    group = call.state.groups.get(call.int_param("id"))
    return Reply(200, render_group(call.state, group, call)) if group else not_found()


def _check(call: Call, item: Any, *, creating: bool, self_id: int | None = None) -> tuple[int, str] | None:
    if not isinstance(item, dict):
        return 400, "Each group must be an object"
    if creating and not str(item.get("title", "")).strip():
        return 400, "Missing required field: title"
    if "privacy_level" in item and item["privacy_level"] not in PRIVACY:
        return 400, f"Invalid privacy_level: {item['privacy_level']!r}"
    if item.get("building_id") not in (None, "", 0, "0"):
        bid = to_int(item["building_id"])
        if bid not in call.state.buildings:
            return 404, f"Building {item['building_id']} not found"
    code = str(item.get("group_code", "") or "")
    if code and any(g["group_code"] == code and g["id"] != self_id for g in call.state.groups.values()):
        return 409, f"group_code {code} is already used"
    return None


def _create(call: Call, item: Any) -> dict[str, Any]:
    problem = _check(call, item, creating=True)
    if problem:
        return row_error(*problem)
    state = call.state
    gid = state.ids.allocate()
    group = {
        "id": gid,
        "title": "",
        "description": "",
        "building_id": 0,
        "school_id": state.school["id"],
        "privacy_level": "school",
        "category": "",
        "group_code": "",
        "website": "",
        "picture_url": "",
        "access_code": "",
        **{k: item[k] for k in GROUP_FIELDS if k in item},
    }
    group["building_id"] = to_int(group["building_id"]) or 0
    state.groups[gid] = group
    state.touch()
    return {"response_code": 201, "id": gid, "location": call.url(f"/groups/{gid}")}


def post_groups(call: Call) -> Reply:
    single = isinstance(call.body, dict) and "groups" not in call.body
    items = bulk_items(call, "groups", "group")
    if isinstance(items, Reply):
        return items
    rows = [_create(call, item) for item in items]
    if single:
        row = rows[0]
        if row["response_code"] >= 400:
            return Reply(row["response_code"], row["message"])
        return Reply(201, render_group(call.state, call.state.groups[row["id"]], call))
    return multi_status("group", rows)


def put_group(call: Call) -> Reply:
    gid = call.int_param("id")
    if gid not in call.state.groups:
        return not_found()
    problem = _check(call, call.body, creating=False, self_id=gid)
    if problem:
        return Reply(problem[0], problem[1])
    changes = {k: call.body[k] for k in GROUP_FIELDS if k in call.body}
    if "building_id" in changes:
        changes["building_id"] = to_int(changes["building_id"]) or 0
    if "title" in changes and not str(changes["title"]).strip():
        return bad_request("title cannot be empty")
    call.state.groups[gid].update(changes)
    call.state.touch()
    return no_content()


def delete_group(call: Call) -> Reply:
    gid = call.int_param("id")
    state = call.state
    if gid not in state.groups:
        return not_found()
    for row in state.enrollments_in("group", gid):
        state.remove_enrollment(row["id"])
    del state.groups[gid]
    state.touch()
    return no_content()


ROUTES = [
    Route("GET", "/groups", list_groups),
    Route("POST", "/groups", post_groups),
    Route("GET", "/groups/{id}", get_group),
    Route("PUT", "/groups/{id}", put_group),
    Route("DELETE", "/groups/{id}", delete_group),
]
