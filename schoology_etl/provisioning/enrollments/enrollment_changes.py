"""Plan changes for the enrollment jobs: rows and enrollment records in, :class:`Change` objects out.

* ``import_enrollments``: realm ``section_enrollments``, link (enroll) / unlink (drop),
  key ``section_school_code`` + ``school_uid`` (written through ``enrollments/import/course``);
* ``drop_enrollments_of_inactive``: realm ``enrollments``, unlink, key ``section_school_code``
  + ``school_uid`` (deleted by enrollment id);
* ``sync_group_members``: realm ``enrollments``, link / unlink, key ``group_code`` +
  ``school_uid`` (``POST /enrollments``; deleted by id).

An ``enrollments`` unlink keeps the whole enrollment (realm, section or group id, uid,
admin, status) as ``before``, so undo re-creates it; a link's ``after`` holds the same
fields, and undo deletes the enrollment by the id the API gave it. A link that changes an
existing enrollment's admin flag (a role change) carries ``linked: true`` and the old flag
in ``before``: undo links it back. Nothing here talks to the network or mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.plans.model import LINK, UNLINK, Change
from schoology_etl.plans.targets import QUERY_FLAGS
from schoology_etl.provisioning.enrollments.enrollment_items import enrollment_import_item
from schoology_etl.provisioning.rows import text, truthy, where

DROP_RULES = {"inactive": "enrollments of inactive users",
              "missing_from_sis": "enrollments of active users missing from the SIS users file"}
"""The rules of ``drop_enrollments_of_inactive``: rule -> what it drops, in words."""


def _flag(value: Any) -> str:
    return "1" if truthy(value) else "0"


def _unknown(index: int, column: str, value: str, known: Iterable[str], row: Mapping[str, Any]) -> RecordError:
    import difflib

    near = difflib.get_close_matches(value, list(known), n=3, cutoff=0.7)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    return RecordError(f"{where(index)}: column {column!r}: unknown {column} {value!r}{hint}",
                       step="import_enrollments", index=index, record=dict(row))


def import_enrollment_changes(
    rows: Iterable[Mapping[str, Any]],
    *,
    sections: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
) -> tuple[list[Change], list[dict[str, Any]]]:
    """Links (enroll) and unlinks (drop) that make the sections match ``rows``.

    Args:
        rows: ``section_school_code, school_uid, role[, action]`` rows.
        sections: the sections the rows name (``section_school_code``, ``id``).
        users: the users the rows name (``school_uid``, ``uid`` or ``id``).
        current: those sections' enrollments, each with ``section_id``, ``uid``, ``admin``, ``status``.

    Returns:
        ``(changes, no_ops)``: no-ops are rows that already hold (enrolled as that role, or
        a drop of someone not enrolled), each ``{line, section_school_code, school_uid, reason}``.

    Raises:
        RecordError: a row names an unknown section code or school_uid, or a bad role or action.
    """
    codes = {text(s.get("section_school_code")): text(s.get("id")) for s in sections}
    uids = {text(u.get("school_uid")): text(u.get("uid") or u.get("id")) for u in users}
    have = {(text(e.get("section_id")), text(e.get("uid"))): e for e in current}
    changes: list[Change] = []
    no_ops: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        item = enrollment_import_item(row, index=i)
        code, school_uid = item["section_school_code"], item["school_uid"]
        if code not in codes:
            raise _unknown(i, "section_school_code", code, codes, row)
        if school_uid not in uids:
            raise _unknown(i, "school_uid", school_uid, uids, row)
        if (code, school_uid) in seen:
            raise RecordError(f"{where(i)}: section {code!r} and user {school_uid!r} are already on "
                              f"{where(seen[(code, school_uid)])}",
                              step="import_enrollments", index=i, record=dict(row))
        seen[(code, school_uid)] = i
        key = {"section_school_code": code, "school_uid": school_uid}
        now = have.get((codes[code], uids[school_uid]))
        if item.get("delete") == "1":
            if now is None:
                no_ops.append({"line": i + 2, **key, "reason": "drop: not enrolled"})
                continue
            before = {"admin": _flag(now.get("admin")), "status": text(now.get("status")) or "1"}
            changes.append(Change(0, UNLINK, "section_enrollments", key, text(now.get("id")), before, {}))
        elif now is not None and _flag(now.get("admin")) == item["admin"]:
            no_ops.append({"line": i + 2, **key, "reason": "enroll: already enrolled"})
        else:
            if now is None:
                changes.append(Change(0, LINK, "section_enrollments", key, None, {}, {"admin": item["admin"]}))
            else:  # a role change: undo links it back with the old flag
                changes.append(Change(0, LINK, "section_enrollments", key, text(now.get("id")),
                                      {"linked": True, "admin": _flag(now.get("admin"))},
                                      {"linked": True, "admin": item["admin"]}))
    return _numbered(changes), no_ops


def _numbered(changes: Sequence[Change]) -> list[Change]:
    return [c.renumbered(n) for n, c in enumerate(changes, start=1)]


def enrollment_unlink(enrollment: Mapping[str, Any], *, realm: str = "section", key: Mapping[str, Any]) -> Change:
    """An ``enrollments`` unlink (delete by id) keeping the whole enrollment as ``before``."""
    realm_id = text(enrollment.get(f"{realm}_id"))
    before = {"realm": realm, f"{realm}_id": realm_id, "uid": text(enrollment.get("uid")),
              "admin": _flag(enrollment.get("admin")), "status": text(enrollment.get("status")) or "1"}
    return Change(0, UNLINK, "enrollments", dict(key), text(enrollment.get("id")), before, {})


def inactive_user_drop_changes(
    enrollments: Iterable[Mapping[str, Any]],
    *,
    inactive_uids: Iterable[Any] = (),
    missing_school_uids: Iterable[Any] = (),
) -> list[Change]:
    """Unlinks of the section enrollments held by inactive users or by users missing from the SIS file.

    Args:
        enrollments: section enrollments with ``id``, ``uid``, ``school_uid``, ``section_id``,
            ``section_school_code``, ``admin``, ``status``.
        inactive_uids: the uids of inactive users.
        missing_school_uids: school_uids of active users absent from the SIS users file.
    """
    inactive = {text(u) for u in inactive_uids}
    missing = {text(u) for u in missing_school_uids}
    changes = []
    for e in enrollments:
        if text(e.get("uid")) in inactive:
            reason: str | None = "inactive"
        elif text(e.get("school_uid")) in missing:
            reason = "missing_from_sis"
        else:
            reason = None
        if reason is not None:
            key = {"section_school_code": text(e.get("section_school_code")), "school_uid": text(e.get("school_uid"))}
            changes.append(enrollment_unlink(e, key=key))
    return _numbered(changes)


def group_member_plan(changes: Iterable[Mapping[str, Any]], members: Iterable[Mapping[str, Any]] = ()) -> list[Change]:
    """Plan changes from :func:`.groups.group_member_changes` output: adds link, removes unlink.

    ``members`` (the current group enrollments, by ``id``) give a removed member's admin
    flag and status, so undo restores them. A member whose admin flag differs is linked
    again with ``update_existing=1``; its ``before`` says ``linked: true`` with the old
    flag, so undo links it back.
    """
    by_id = {text(m.get("id")): m for m in members}
    out = []
    for c in changes:
        key = {"group_code": text(c.get("group_code")), "school_uid": text(c.get("school_uid"))}
        if c["op"] == "add":
            after = {"realm": "group", "group_id": text(c["group_id"]), "uid": text(c["uid"]),
                     "admin": _flag(c.get("admin")), "status": text(c.get("status")) or "1"}
            out.append(Change(0, LINK, "enrollments", key, None, {}, after))
        elif c["op"] == "update":  # the admin flag differs: re-link with update_existing; undo links back
            member = {**by_id.get(text(c.get("id")), {}), **c}
            state = {"linked": True, "realm": "group", "group_id": text(c["group_id"]), "uid": text(c["uid"]),
                     "status": text(member.get("status")) or "1", QUERY_FLAGS: {"update_existing": 1}}
            was_admin = _flag(by_id.get(text(c.get("id")), {}).get("admin"))
            out.append(Change(0, LINK, "enrollments", key, text(c.get("id")), {**state, "admin": was_admin},
                              {**state, "admin": _flag(c.get("admin"))}))
        elif c["op"] == "remove":
            member = {**by_id.get(text(c.get("id")), {}), **c}
            out.append(enrollment_unlink(member, realm="group", key=key))
    return _numbered(out)
