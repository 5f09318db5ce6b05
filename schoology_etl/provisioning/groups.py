"""Group membership sync: adds and removes that make groups match a CSV (job ``sync_group_members``).

Only groups named in the file are touched. Rows are ``group_code, school_uid[, admin]``;
current members are group enrollment records carrying ``group_id``, ``id``, ``uid``,
``school_uid`` and ``admin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import required, text, truthy, where


def group_member_changes(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    groups: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The changes, adds first then admin updates then removes.

    * ``{"op": "add", "group_id", "group_code", "uid", "school_uid", "admin", "status": "1"}``
    * ``{"op": "update", "group_id", "group_code", "id", "uid", "school_uid", "admin"}`` (admin flag differs;
      only when the file has an ``admin`` value for the row)
    * ``{"op": "remove", "group_id", "group_code", "id", "uid", "school_uid"}``

    Raises:
        RecordError: a row names an unknown group_code or school_uid.
    """
    groups = list(groups)
    group_ids = {text(g.get("group_code")).casefold(): text(g.get("id")) for g in groups if text(g.get("group_code"))}
    codes = {text(g.get("id")): text(g.get("group_code")) for g in groups if text(g.get("group_code"))}
    uids = {text(u.get("school_uid")): text(u.get("uid") or u.get("id")) for u in users if text(u.get("school_uid"))}
    desired: dict[tuple[str, str], tuple[str, str | None]] = {}
    for i, row in enumerate(rows):
        code = required(row, "group_code", index=i, step="group_sync")
        school_uid = required(row, "school_uid", index=i, step="group_sync")
        for column, value, known in (("group_code", code.casefold(), group_ids), ("school_uid", school_uid, uids)):
            if value not in known:
                raise RecordError(
                    f"{where(i)}: column {column!r}: unknown {column} {text(row.get(column))!r}",
                    step="group_sync",
                    index=i,
                    record=dict(row),
                )
        admin = ("1" if truthy(row.get("admin")) else "0") if text(row.get("admin")) else None
        desired[(group_ids[code.casefold()], uids[school_uid])] = (school_uid, admin)
    touched = {gid for gid, _ in desired}
    have: dict[tuple[str, str], Mapping[str, Any]] = {}
    for member in current:
        gid = text(member.get("group_id"))
        if gid in touched:
            have[(gid, text(member.get("uid")))] = member
    changes: list[dict[str, Any]] = []
    for (gid, uid), (school_uid, admin) in desired.items():
        base = {"group_id": gid, "group_code": codes.get(gid), "uid": uid, "school_uid": school_uid}
        found = have.get((gid, uid))
        if found is None:
            changes.append({"op": "add", **base, "admin": admin or "0", "status": "1"})
        elif admin is not None and ("1" if truthy(found.get("admin")) else "0") != admin:
            changes.append({"op": "update", **base, "id": text(found.get("id")), "admin": admin})
    for (gid, uid), member in have.items():
        if (gid, uid) not in desired:
            changes.append(
                {
                    "op": "remove",
                    "group_id": gid,
                    "group_code": codes.get(gid),
                    "id": text(member.get("id")),
                    "uid": uid,
                    "school_uid": member.get("school_uid"),
                }
            )
    order = {"add": 0, "update": 1, "remove": 2}
    return sorted(changes, key=lambda c: order[c["op"]])
