"""Validation and writes of user records (create, update, email-conflict rules).

Each function returns a bulk row (``response_code`` and friends) and changes the state
only when the row is a success.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from schoology_sandbox.envelopes import row_error, to_int
from schoology_sandbox.routing import Call
from schoology_sandbox.state import DistrictState

WRITABLE = (
    "school_uid",
    "name_title",
    "name_title_show",
    "name_first",
    "name_first_preferred",
    "use_preferred_first_name",
    "name_middle",
    "name_middle_show",
    "name_last",
    "username",
    "primary_email",
    "position",
    "gender",
    "grad_year",
    "birthday_date",
    "role_id",
    "building_id",
    "additional_buildings",
    "synced",
    "tz_name",
    "password",
    "email_login_info",
    "profile_url",
    "subjects_taught",
    "grades_taught",
    "department",
    "bio",
    "phone",
    "website",
    "address",
    "interests",
    "activities",
)
LINK_FIELDS = ("parent_uids", "advisor_uids", "child_uids")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_TITLES = {"", "Mr.", "Mrs.", "Ms.", "Miss", "Dr.", "Professor"}


def render_user(state: DistrictState, user: dict[str, Any], call: Call) -> dict[str, Any]:
    """A user as the API shows it (``uid`` a string, ``id`` an int, like the real API)."""
    uid = user["uid"]
    out = {k: v for k, v in user.items() if k != "password"}
    out["uid"] = str(uid)
    out["id"] = uid
    out["password"] = ""
    out["parents"] = None  # needs the "View user parents" permission; the API user is not granted it
    out["tz_offset"] = _TZ_OFFSETS.get(str(user.get("tz_name") or ""), 0)
    children = state.children_of(uid)
    out["child_uids"] = ",".join(map(str, sorted(children))) if children else None
    out["links"] = {"self": call.url(f"/users/{uid}")}
    return out


_TZ_OFFSETS = {"America/New_York": -5, "America/Chicago": -6, "America/Denver": -7, "America/Los_Angeles": -8}


def render_inactive_user(state: DistrictState, user: dict[str, Any]) -> dict[str, Any]:
    """An inactive user as ``GET /users/inactive`` shows it: the full name, no role, building or grad year."""
    name = " ".join(p for p in (user.get("name_first"), user.get("name_last")) if p)
    seeded = int(dt.datetime.combine(state.today, dt.time()).timestamp()) - 200 * 86400
    return {
        "uid": user["uid"],
        "name": name,
        "school_uid": user.get("school_uid", ""),
        "synced": user.get("synced", 0),
        "inactive_timestamp": int(user.get("inactive_timestamp") or seeded),
        "modified_by_uid": state.api_user_uid(),
    }


def _check_fields(state: DistrictState, item: dict[str, Any], *, creating: bool) -> tuple[int, str] | None:
    """(code, message) for the first problem of ``item``, else None."""
    if creating:
        for name in ("school_uid", "name_first", "name_last", "role_id"):
            if str(item.get(name, "")).strip() == "":
                return 400, f"Missing required field: {name}"
        if not str(item.get("username", "")).strip() and not str(item.get("primary_email", "")).strip():
            return 400, "Missing required field: username or primary_email"
    if "role_id" in item:
        role_id = to_int(item["role_id"])
        if role_id is None:
            return 400, f"Invalid role_id: {item['role_id']!r}"
        if role_id not in state.roles and role_id not in state.building_roles:
            return 404, f"Role {role_id} not found"
    if item.get("building_id") not in (None, ""):
        bid = to_int(item["building_id"])
        if bid is None:
            return 400, f"Invalid building_id: {item['building_id']!r}"
        if bid not in state.buildings and bid != state.school.get("id"):
            return 404, f"Building {bid} not found"
    for raw in str(item.get("additional_buildings") or "").split(","):
        if raw.strip():
            bid = to_int(raw)
            if bid is None:
                return 400, f"Invalid additional_buildings entry: {raw!r}"
            if bid not in state.buildings:
                return 404, f"Building {bid} not found"
    if item.get("gender") not in (None, "", "M", "F"):
        return 400, f"Invalid gender: {item['gender']!r} (M or F)"
    if item.get("grad_year") not in (None, "") and not _YEAR.match(str(item["grad_year"])):
        return 400, f"Invalid grad_year: {item['grad_year']!r} (YYYY)"
    if item.get("birthday_date") not in (None, "") and not _DATE.match(str(item["birthday_date"])):
        return 400, f"Invalid birthday_date: {item['birthday_date']!r} (YYYY-MM-DD)"
    if item.get("name_title") is not None and item["name_title"] not in _TITLES:
        return 400, f"Invalid name_title: {item['name_title']!r}"
    email = str(item.get("primary_email") or "")
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        return 400, f"Invalid primary_email: {email!r}"
    for name in LINK_FIELDS:
        for raw in str(item.get(name) or "").split(","):
            if raw.strip():
                uid = to_int(raw)
                if uid is None:
                    return 400, f"Invalid {name} entry: {raw!r}"
                if uid not in state.users:
                    return 404, f"User {uid} in {name} not found"
    return None


def _normalise(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: item[k] for k in WRITABLE if k in item}
    for name in ("role_id", "building_id"):
        if name in out and out[name] not in (None, ""):
            out[name] = to_int(out[name])
    if "school_uid" in out:
        out["school_uid"] = str(out["school_uid"]).strip()
    return out


def _apply_links(state: DistrictState, uid: int, item: dict[str, Any]) -> None:
    for raw in str(item.get("parent_uids") or "").split(","):
        if raw.strip():
            state.link_parent(uid, int(raw))
    for raw in str(item.get("child_uids") or "").split(","):
        if raw.strip():
            state.link_parent(int(raw), uid)
    for raw in str(item.get("advisor_uids") or "").split(","):
        if raw.strip():
            state.advisor_links.add((uid, int(raw)))


def _resolve_email(call: Call, fields: dict[str, Any], self_uid: int | None) -> tuple[int, str] | str | None:
    """Apply the email-conflict flags to ``fields`` in place.

    Returns an error (code, message), a note for the row's message, or None.
    """
    email = str(fields.get("primary_email") or "")
    if not email:
        return None
    state = call.state
    resolution = str(call.query.get("email_conflict_resolution", "0"))
    same_school = state.uids_with_email(email) - {self_uid}
    foreign = state.external_emails.get(email.lower())
    if not same_school and not foreign:
        return None
    if same_school:
        if resolution == "1":
            _drop_email(fields)
            return "Email already in use in this school; created without an email"
        return 409, f"Email address {email} is already in use by another user in this school"
    if resolution == "2" and foreign == "verified-domain":
        del state.external_emails[email.lower()]
        return "Merged the existing account with this email into this user"
    if call.flag("ignore_email_conflicts") or resolution in {"1", "2"}:
        _drop_email(fields)
        return "Email belongs to an account in another school; created without an email"
    return 409, f"Email address {email} is already in use by an account in another school"


def _drop_email(fields: dict[str, Any]) -> None:
    fields["primary_email"] = ""
    if not str(fields.get("username") or "").strip():
        fields["username"] = fields.get("school_uid") or ""


def create_user(call: Call, item: Any) -> dict[str, Any]:
    """POST one user (bulk row); ``update_existing`` turns a known school_uid into an update."""
    state = call.state
    if not isinstance(item, dict):
        return row_error(400, "Each user must be an object")
    existing = state.user_by_school_uid(str(item.get("school_uid", "")).strip()) if item.get("school_uid") else None
    if existing is not None:
        if not call.flag("update_existing"):
            return row_error(
                409,
                f"A user with school_uid {item['school_uid']} already exists",
                school_uid=str(item["school_uid"]),
                id=existing["uid"],
            )
        return update_user(call, existing["uid"], item, code=200)
    problem = _check_fields(state, item, creating=True)
    if problem:
        return row_error(problem[0], problem[1], school_uid=str(item.get("school_uid", "")))
    fields = _normalise(item)
    note = _resolve_email(call, fields, None)
    if isinstance(note, tuple):
        return row_error(note[0], note[1], school_uid=fields["school_uid"])
    if fields.get("building_id") in (None, ""):
        fields["building_id"] = next(iter(state.buildings))
    fields.setdefault("additional_buildings", "")
    for name in (
        "name_title",
        "name_first_preferred",
        "name_middle",
        "username",
        "primary_email",
        "position",
        "gender",
        "grad_year",
        "birthday_date",
    ):
        fields.setdefault(name, "")
    fields["school_id"] = state.school["id"]
    fields["name_display"] = f"{fields['name_first']} {fields['name_last']}"
    fields.setdefault("synced", 0)
    user = state.add_user({"uid": 0, **fields})
    _apply_links(state, user["uid"], item)
    row = {
        "response_code": 201,
        "id": user["uid"],
        "uid": str(user["uid"]),
        "school_uid": user["school_uid"],
        "location": call.url(f"/users/{user['uid']}"),
    }
    if note:
        row["message"] = note
    return row


def update_user(call: Call, uid: int, item: dict[str, Any], *, code: int = 200) -> dict[str, Any]:
    """Update one active user (bulk row)."""
    state = call.state
    if uid not in state.users:
        return row_error(404, f"User {uid} not found", id=uid)
    problem = _check_fields(state, item, creating=False)
    if problem:
        return row_error(problem[0], problem[1], id=uid)
    fields = _normalise(item)
    for name in ("school_uid", "name_first", "name_last"):
        if name in fields and str(fields[name]).strip() == "":
            return row_error(400, f"{name} cannot be empty", id=uid)
    if "school_uid" in fields:
        other = state.user_by_school_uid(fields["school_uid"])
        if other is not None and other["uid"] != uid:
            return row_error(409, f"A user with school_uid {fields['school_uid']} already exists", id=uid)
    current = state.users[uid]
    note = None
    if str(fields.get("primary_email") or "").lower() != str(current.get("primary_email") or "").lower():
        fields.setdefault("school_uid", current["school_uid"])
        fields.setdefault("username", current.get("username", ""))
        note = _resolve_email(call, fields, uid)
        if isinstance(note, tuple):
            return row_error(note[0], note[1], id=uid)
    merged = {**current, **fields}
    fields["name_display"] = f"{merged['name_first']} {merged['name_last']}"
    state.update_user(uid, fields)
    _apply_links(state, uid, item)
    row = {
        "response_code": code,
        "id": uid,
        "uid": str(uid),
        "school_uid": merged["school_uid"],
        "location": call.url(f"/users/{uid}"),
    }
    if note:
        row["message"] = note
    return row
