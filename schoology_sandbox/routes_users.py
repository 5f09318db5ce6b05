"""Users realm: listing, one user, bulk writes, inactive users, redirects, associations, CSV export."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from schoology_sandbox.envelopes import BULK_CAP, bulk_items, id_list, multi_status, page, row_error, to_int
from schoology_sandbox.render import render_group, render_section
from schoology_sandbox.routing import Call, Reply, Route, bad_request, no_content, not_found
from schoology_sandbox.users_write import create_user, render_inactive_user, render_user, update_user

CSV_FIELDS = {
    "uid": lambda s, u: u["uid"],
    "school_uid": lambda s, u: u["school_uid"],
    "building_nid": lambda s, u: u["building_id"],
    "name_title": lambda s, u: u.get("name_title", ""),
    "name_first": lambda s, u: u["name_first"],
    "name_first_preferred": lambda s, u: u.get("name_first_preferred", ""),
    "name_middle": lambda s, u: u.get("name_middle", ""),
    "name_last": lambda s, u: u["name_last"],
    "role_name": lambda s, u: (s.roles.get(u["role_id"]) or s.building_roles.get(u["role_id"]) or {}).get("title", ""),
    "name": lambda s, u: u.get("username", ""),
    "mail": lambda s, u: u.get("primary_email", ""),
    "position": lambda s, u: u.get("position", ""),
    "grad_year": lambda s, u: u.get("grad_year", ""),
    "birthday": lambda s, u: u.get("birthday_date", ""),
    "gender": lambda s, u: u.get("gender", ""),
}
for _name in ("bio", "subjects_taught", "grades_taught", "phone", "address", "website", "interests", "activities"):
    CSV_FIELDS[_name] = lambda s, u, _n=_name: u.get(_n, "")


def _filtered_uids(call: Call) -> list[int] | Reply:
    state = call.state
    building = to_int(call.query.get("building_id")) if call.query.get("building_id") else None
    roles = None
    if call.query.get("role_ids"):
        roles = frozenset(to_int(r) for r in str(call.query["role_ids"]).split(",") if r.strip())
    school_uids = None
    if call.query.get("school_uids"):
        listed = id_list(call, "school_uids")
        if isinstance(listed, Reply):
            return listed
        school_uids = listed

    if school_uids is not None:
        found = [state.user_by_school_uid(s) for s in school_uids]
        return [
            u["uid"]
            for u in found
            if u is not None
            and (building is None or _in_building(u, building))
            and (roles is None or u["role_id"] in roles)
        ]

    def build() -> list[int]:
        return [
            u["uid"]
            for u in state.users.values()
            if (building is None or _in_building(u, building)) and (roles is None or u["role_id"] in roles)
        ]

    return state.cached(("users", building, roles), build)


def _in_building(user: dict[str, Any], building: int) -> bool:
    if user.get("building_id") == building:
        return True
    extra = user.get("additional_buildings") or ""
    return bool(extra) and str(building) in extra.split(",")


def list_users(call: Call) -> Reply:
    uids = _filtered_uids(call)
    if isinstance(uids, Reply):
        return uids
    users = call.state.users
    return page(call, uids, "user", lambda uid: render_user(call.state, users[uid], call), total_as_string=True)


def get_user(call: Call) -> Reply:
    uid = call.int_param("id")
    user = call.state.users.get(uid) if uid is not None else None
    if user is None:
        return not_found()
    return Reply(200, render_user(call.state, user, call))


def put_user(call: Call) -> Reply:
    uid = call.int_param("id")
    if uid is None or uid not in call.state.users:
        return not_found()
    if not isinstance(call.body, dict):
        return bad_request("Request body must be a JSON object.")
    row = update_user(call, uid, call.body)
    if row["response_code"] >= 400:
        return Reply(row["response_code"], row["message"])
    return no_content()


def delete_user(call: Call) -> Reply:
    uid = call.int_param("id")
    if uid is None or uid not in call.state.users:
        return not_found()
    call.state.deactivate_user(uid, keep_enrollments=call.flag("option_keep_enrollments"))
    return no_content()


def me(call: Call) -> Reply:
    return Reply(303, None, {"Location": call.url(f"/users/{call.state.api_user_uid()}")})


def by_school_uid(call: Call) -> Reply:
    user = call.state.user_by_school_uid(call.params["school_uid"])
    if user is None:
        return not_found()
    return Reply(303, None, {"Location": call.url(f"/users/{user['uid']}")})


def app_user_info(call: Call) -> Reply:
    return Reply(200, {"web_session_timestamp": str(int(time.time())), "api_uid": str(call.state.api_user_uid())})


def post_users(call: Call) -> Reply:
    single = isinstance(call.body, dict) and "users" not in call.body
    items = bulk_items(call, "users", "user")
    if isinstance(items, Reply):
        return items
    rows = [create_user(call, item) for item in items]
    if single:
        row = rows[0]
        if row["response_code"] >= 400:
            return Reply(row["response_code"], row["message"])
        return Reply(
            201 if row["response_code"] == 201 else 200, render_user(call.state, call.state.users[row["id"]], call)
        )
    return multi_status("user", rows)


def put_users(call: Call) -> Reply:
    items = bulk_items(call, "users", "user")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        uid = to_int(item.get("id", item.get("uid"))) if isinstance(item, dict) else None
        if uid is None:
            rows.append(row_error(400, "Missing required field: id"))
        else:
            rows.append(update_user(call, uid, item))
    return multi_status("user", rows)


def delete_users(call: Call) -> Reply:
    uids = id_list(call, "uids")
    if isinstance(uids, Reply):
        return uids
    rows = []
    for raw in uids:
        uid = to_int(raw)
        if uid is None or uid not in call.state.users:
            rows.append(row_error(404, f"User {raw} not found", id=raw))
            continue
        call.state.deactivate_user(uid, keep_enrollments=call.flag("option_keep_enrollments"))
        rows.append({"response_code": 200, "id": uid})
    return multi_status("user", rows)


def list_inactive(call: Call) -> Reply:
    state = call.state
    return page(call, list(state.inactive_users.values()), "user", lambda u: render_inactive_user(state, u))


def get_inactive(call: Call) -> Reply:
    uid = call.int_param("id")
    user = call.state.inactive_users.get(uid) if uid is not None else None
    return Reply(200, render_inactive_user(call.state, user)) if user else not_found()


def reactivate(call: Call) -> Reply:
    """``{"user": [{uid, option_reenroll}]}`` (no ``users`` wrapper; the contract refuses other shapes)."""
    items = call.body.get("user") if isinstance(call.body, dict) else None
    if not isinstance(items, list):
        return bad_request('Expected {"user": [...]}.')
    if len(items) > BULK_CAP:
        return bad_request(f"Too many items: {len(items)} (at most {BULK_CAP} per request).")
    rows = []
    for item in items:
        uid = to_int(item.get("uid")) if isinstance(item, dict) else None
        if uid is None:
            rows.append(row_error(400, "Missing required field: uid"))
        elif uid in call.state.users:
            rows.append(row_error(400, f"User {uid} is already active", id=uid))
        elif uid not in call.state.inactive_users:
            rows.append(row_error(404, f"User {uid} not found", id=uid))
        else:
            call.state.reactivate_user(uid)
            rows.append({"response_code": 200, "location": call.url(f"/users/{uid}"),
                         "message": "You have successfully re-actived this user."})
    return multi_status("user", rows)


def _associations(call: Call, other: str) -> Reply:
    items = bulk_items(call, "associations", "association")
    if isinstance(items, Reply):
        return items
    state = call.state
    rows = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        s_code, o_code = str(item.get("student_school_uid", "")), str(item.get(f"{other}_school_uid", ""))
        base = {"student_school_uid": s_code, f"{other}_school_uid": o_code}
        if not s_code or not o_code:
            rows.append(row_error(400, f"Missing student_school_uid or {other}_school_uid", **base))
            continue
        student, partner = state.user_by_school_uid(s_code), state.user_by_school_uid(o_code)
        if student is None or partner is None:
            missing = s_code if student is None else o_code
            rows.append(row_error(404, f"User with school_uid {missing} not found", **base))
            continue
        pair = (student["uid"], partner["uid"])
        if str(item.get("delete", "0")) not in ("0", "1"):  # documented as {0,1}
            rows.append(row_error(400, f"Invalid delete: {item.get('delete')!r} (0 or 1)", **base))
            continue
        delete = str(item.get("delete", "0")) == "1"
        if other == "parent":
            (state.unlink_parent if delete else state.link_parent)(*pair)
        else:
            (state.advisor_links.discard if delete else state.advisor_links.add)(pair)
            state.touch()
        rows.append({"response_code": 200, **base, "student_uid": str(pair[0]), f"{other}_uid": str(pair[1])})
    return multi_status("association", rows)


def csv_export(call: Call) -> Reply:
    wanted = [f.strip() for f in str(call.query.get("fields") or ",".join(CSV_FIELDS)).split(",") if f.strip()]
    unknown = [f for f in wanted if f not in CSV_FIELDS]
    if unknown:
        return bad_request(f"Unknown fields: {', '.join(unknown)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(wanted)
    state = call.state
    getters = [CSV_FIELDS[f] for f in wanted]
    for user in state.users.values():
        writer.writerow([g(state, user) for g in getters])
    return Reply(200, out.getvalue(), content_type="text/csv")


def _user_memberships(call: Call, realm: str, objects: str, render: Any) -> Reply:
    """The sections or groups a user is enrolled in, paged like any list."""
    uid = call.int_param("id")
    if uid is None or uid not in call.state.users:
        return not_found()
    state = call.state
    found = getattr(state, objects)
    rows = [found[e["realm_id"]] for e in state.enrollments_of(uid) if e["realm"] == realm and e["realm_id"] in found]
    return page(call, rows, realm, lambda r: render(state, r, call))


def user_sections(call: Call) -> Reply:
    return _user_memberships(call, "section", "sections", render_section)


def user_groups(call: Call) -> Reply:
    return _user_memberships(call, "group", "groups", render_group)


ROUTES = [
    Route("GET", "/users", list_users),
    Route("POST", "/users", post_users),
    Route("PUT", "/users", put_users),
    Route("DELETE", "/users", delete_users),
    Route("GET", "/users/me", me),
    Route("GET", "/users/ext/{school_uid}", by_school_uid),
    Route("GET", "/users/inactive", list_inactive),
    Route("GET", "/users/inactive/{id}", get_inactive),
    Route("PUT", "/users/reactivate", reactivate),
    Route("POST", "/users/import/associations/parents", lambda c: _associations(c, "parent")),
    Route("POST", "/users/import/associations/advisors", lambda c: _associations(c, "advisor")),
    Route("GET", "/users/{id}", get_user),
    Route("PUT", "/users/{id}", put_user),
    Route("DELETE", "/users/{id}", delete_user),
    Route("GET", "/users/{id}/sections", user_sections),
    Route("GET", "/users/{id}/groups", user_groups),
    Route("GET", "/app-user-info", app_user_info),
    Route("GET", "/csvexport/users", csv_export),
]
