"""Enrollments in sections and groups: lists, bulk writes, multi-realm, import by external keys."""

from __future__ import annotations

from typing import Any

from schoology_sandbox.envelopes import bulk_items, id_list, multi_status, page, row_error, to_int
from schoology_sandbox.render import render_enrollment
from schoology_sandbox.routing import Call, Reply, Route, bad_request, no_content, not_found

REALMS = {"sections": "section", "groups": "group"}


def _realm_of(call: Call) -> str:
    """``section`` or ``group``, from the first path segment."""
    return REALMS[call.path.strip("/").split("/")[0]]


def _realm_table(call: Call, realm: str) -> dict[int, dict[str, Any]]:
    return call.state.sections if realm == "section" else call.state.groups


def _rows(rows: list[dict[str, Any]]) -> Reply:
    return multi_status("enrollment", rows, nested="enrollments")


def _flag_value(item: dict[str, Any], name: str, allowed: range, default: int) -> int | None:
    value = item.get(name, default)
    number = to_int(value) if value not in ("", None) else default
    return number if number in allowed else None


def write_enrollment(
    call: Call, realm: str, realm_id: int | None, item: Any, *, eid: int | None = None
) -> dict[str, Any]:
    """Create or update one enrollment (bulk row)."""
    state = call.state
    if not isinstance(item, dict):
        return row_error(400, "Each enrollment must be an object")
    if realm_id is None or realm_id not in _realm_table(call, realm):
        return row_error(404, f"{realm.capitalize()} {realm_id} not found", uid=str(item.get("uid", "")))
    admin = _flag_value(item, "admin", range(0, 2), 0)
    status = _flag_value(item, "status", range(1, 6), 1)
    if admin is None:
        return row_error(400, f"Invalid admin: {item.get('admin')!r} (0 or 1)", uid=str(item.get("uid", "")))
    if status is None:
        return row_error(400, f"Invalid status: {item.get('status')!r} (1-5)", uid=str(item.get("uid", "")))
    path = f"/{realm}s/{realm_id}/enrollments"
    if eid is not None:
        row = state.enrollments.get(eid)
        if row is None or row["realm"] != realm or row["realm_id"] != realm_id:
            return row_error(404, f"Enrollment {eid} not found", id=eid)
        changes = {k: v for k, v in (("admin", admin), ("status", status)) if k in item}
        row = state.update_enrollment(eid, changes)
        return {"response_code": 200, "id": eid, "uid": str(row["uid"]), "location": call.url(f"{path}/{eid}")}
    if str(item.get("uid", "")).strip() == "":
        return row_error(400, "Missing required field: uid")
    uid = to_int(item["uid"])
    if uid is None:
        return row_error(400, f"Invalid uid: {item['uid']!r}")
    if uid not in state.users:
        return row_error(404, f"User {uid} not found", uid=str(uid))
    existing = state.find_enrollment(realm, realm_id, uid)
    if existing is not None:
        if not call.flag("update_existing"):
            return row_error(409, f"User {uid} is already enrolled", id=existing["id"], uid=str(uid))
        existing = state.update_enrollment(existing["id"], {"admin": admin, "status": status})
        return {
            "response_code": 200,
            "id": existing["id"],
            "uid": str(uid),
            "location": call.url(f"{path}/{existing['id']}"),
        }
    row = state.add_enrollment(realm, realm_id, uid, admin, status)
    return {"response_code": 201, "id": row["id"], "uid": str(uid), "location": call.url(f"{path}/{row['id']}")}


def list_enrollments(call: Call) -> Reply:
    realm = _realm_of(call)
    rid = call.int_param("id")
    state = call.state
    if rid not in _realm_table(call, realm):
        return not_found()
    rows = state.enrollments_in(realm, rid)
    if call.query.get("uid"):
        wanted = {to_int(u) for u in str(call.query["uid"]).split(",")}
        rows = [r for r in rows if r["uid"] in wanted]
    if call.query.get("enrollment_status"):
        statuses = {to_int(s) for s in str(call.query["enrollment_status"]).split(",")}
        rows = [r for r in rows if r["status"] in statuses]
    if call.query.get("type"):
        types = set(str(call.query["type"]).split(","))
        rows = [r for r in rows if ("admin" if r["admin"] else "member") in types]
    return page(call, rows, "enrollment", lambda r: render_enrollment(state, r, call))


def get_enrollment(call: Call) -> Reply:
    realm = _realm_of(call)
    row = call.state.enrollments.get(call.int_param("eid"))
    if row is None or row["realm"] != realm or row["realm_id"] != call.int_param("id"):
        return not_found()
    return Reply(200, render_enrollment(call.state, row, call))


def post_enrollments(call: Call) -> Reply:
    realm = _realm_of(call)
    rid = call.int_param("id")
    if rid not in _realm_table(call, realm):
        return not_found()
    single = isinstance(call.body, dict) and "enrollments" not in call.body
    items = bulk_items(call, "enrollments", "enrollment")
    if isinstance(items, Reply):
        return items
    rows = [write_enrollment(call, realm, rid, item) for item in items]
    if single:
        row = rows[0]
        if row["response_code"] >= 400:
            return Reply(row["response_code"], row["message"])
        return Reply(row["response_code"], render_enrollment(call.state, call.state.enrollments[row["id"]], call))
    return _rows(rows)


def put_enrollments(call: Call) -> Reply:
    realm = _realm_of(call)
    rid = call.int_param("id")
    if rid not in _realm_table(call, realm):
        return not_found()
    items = bulk_items(call, "enrollments", "enrollment")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        eid = to_int(item.get("id")) if isinstance(item, dict) else None
        rows.append(
            row_error(400, "Missing required field: id")
            if eid is None
            else write_enrollment(call, realm, rid, item, eid=eid)
        )
    return _rows(rows)


def put_enrollment(call: Call) -> Reply:
    realm = _realm_of(call)
    if not isinstance(call.body, dict):
        return bad_request("Request body must be a JSON object.")
    row = write_enrollment(call, realm, call.int_param("id"), call.body, eid=call.int_param("eid"))
    return (
        no_content()
        if row["response_code"] < 400
        else Reply(row["response_code"], row["message"] if row["response_code"] != 404 else None)
    )


def delete_enrollment(call: Call) -> Reply:
    realm = _realm_of(call)
    row = call.state.enrollments.get(call.int_param("eid"))
    if row is None or row["realm"] != realm or row["realm_id"] != call.int_param("id"):
        return not_found()
    call.state.remove_enrollment(row["id"])
    return no_content()


def post_multi_realm(call: Call) -> Reply:
    items = bulk_items(call, "enrollments", "enrollment")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        realm = str(item.get("realm", "")) if isinstance(item, dict) else ""
        if realm not in {"section", "group"}:
            rows.append(row_error(403, f"Realm {realm or '(missing)'} is not supported for enrollments"))
            continue
        rows.append(write_enrollment(call, realm, to_int(item.get(f"{realm}_id")), item))
    return _rows(rows)


def _import_row(call: Call, item: Any, section: dict[str, Any] | None, keys: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    if section is None:
        return row_error(404, "Section not found", **keys)
    user = state.user_by_school_uid(str(item.get("school_uid", "")))
    if user is None:
        return row_error(404, f"User with school_uid {item.get('school_uid', '')} not found", **keys)
    course = state.courses.get(section["course_id"], {})
    keys = {
        **keys,
        "section_school_code": section["section_school_code"],
        "course_code": course.get("course_code", ""),
        "section_code": section["section_code"],
    }
    existing = state.find_enrollment("section", section["id"], user["uid"])
    location = call.url(f"/sections/{section['id']}/enrollments")
    if str(item.get("delete", "0")) == "1":
        if existing is None:
            return row_error(404, "Enrollment not found", **keys)
        state.remove_enrollment(existing["id"])
        return {"response_code": 200, "location": location, **keys}
    admin = _flag_value(item, "admin", range(0, 2), 0)
    if admin is None:
        return row_error(400, f"Invalid admin: {item.get('admin')!r} (0 or 1)", **keys)
    if existing is not None:
        existing = state.update_enrollment(existing["id"], {"admin": admin})
        return {"response_code": 200, "id": existing["id"], "location": f"{location}/{existing['id']}", **keys}
    row = state.add_enrollment("section", section["id"], user["uid"], admin, 1)
    return {"response_code": 201, "id": row["id"], "location": f"{location}/{row['id']}", **keys}


def import_course(call: Call) -> Reply:
    items = bulk_items(call, "enrollments", "enrollment")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        if not isinstance(item, dict):
            rows.append(row_error(400, "Each enrollment must be an object"))
            continue
        keys = {
            "school_uid": str(item.get("school_uid", "")),
            "section_school_code": str(item.get("section_school_code", "")),
        }
        if not keys["school_uid"] or not keys["section_school_code"]:
            rows.append(row_error(400, "Missing required field: section_school_code or school_uid", **keys))
            continue
        rows.append(_import_row(call, item, call.state.section_by_school_code(keys["section_school_code"]), keys))
    return _rows(rows)


def import_course_by_periods(call: Call) -> Reply:
    periods = {to_int(p) for p in call.params["periods"].split(",")}
    if None in periods or not periods <= set(call.state.grading_periods):
        return not_found()
    items = bulk_items(call, "enrollments", "enrollment")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        if not isinstance(item, dict):
            rows.append(row_error(400, "Each enrollment must be an object"))
            continue
        keys = {k: str(item.get(k, "")) for k in ("school_uid", "course_code", "section_code")}
        if not all(keys.values()):
            rows.append(row_error(400, "Missing required field: course_code, section_code or school_uid", **keys))
            continue
        course = call.state.course_by_code(keys["course_code"])
        section = (
            None
            if course is None
            else next(
                (
                    s
                    for s in call.state.sections.values()
                    if s["course_id"] == course["id"]
                    and s["section_code"] == keys["section_code"]
                    and periods & set(s["grading_periods"])
                ),
                None,
            )
        )
        rows.append(_import_row(call, item, section, keys))
    return _rows(rows)


def delete_many(call: Call) -> Reply:
    ids = id_list(call, "enrollment_ids")
    if isinstance(ids, Reply):
        return ids
    rows = []
    for raw in ids:
        eid = to_int(raw)
        if eid is None or eid not in call.state.enrollments:
            rows.append(row_error(404, f"Enrollment {raw} not found", id=raw))
        else:
            call.state.remove_enrollment(eid)
            rows.append({"response_code": 200, "id": eid})
    return _rows(rows)


ROUTES = [
    Route("POST", "/enrollments", post_multi_realm),
    Route("DELETE", "/enrollments", delete_many),
    Route("POST", "/enrollments/import/course", import_course),
    Route("POST", "/enrollments/import/course/{periods}", import_course_by_periods),
]
for _realm in REALMS:
    ROUTES += [
        Route("GET", f"/{_realm}/{{id}}/enrollments", list_enrollments),
        Route("POST", f"/{_realm}/{{id}}/enrollments", post_enrollments),
        Route("PUT", f"/{_realm}/{{id}}/enrollments", put_enrollments),
        Route("GET", f"/{_realm}/{{id}}/enrollments/{{eid}}", get_enrollment),
        Route("PUT", f"/{_realm}/{{id}}/enrollments/{{eid}}", put_enrollment),
        Route("DELETE", f"/{_realm}/{{id}}/enrollments/{{eid}}", delete_enrollment),
    ]
