"""Group membership sync: adds and removes that make groups match a CSV (job ``sync_group_members``).

:func:`group_member_changes` gives the plan's :class:`Change` objects (realm
``enrollments``, see :mod:`.enrollment_changes`); :func:`member_differences` the same
decisions as report rows; :func:`select_member_rows` and :func:`read_group_state` the
job's input and the groups' current state.

Only groups named in the file are touched. Rows are ``group_code, school_uid[, admin]``;
current members are group enrollment records carrying ``group_id``, ``id``, ``uid``,
``school_uid`` and ``admin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.plans.model import LINK, UNLINK, Change
from schoology_etl.provisioning.enrollments.enrollment_changes import group_member_plan
from schoology_etl.provisioning.rows import required, text, truthy, where


def select_member_rows(rows: Sequence[Mapping[str, Any]], group_codes: str, *,
                       path: Path | str) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The rows of the groups chosen in ``group_codes`` (comma-separated; empty: every group in the file).

    Raises:
        SourceFormatError: the file has no member rows.
        ConfigurationError: a chosen group code is not in the file (the message lists the file's codes).
    """
    if not rows:
        raise SourceFormatError("the file has a header but no member rows", path=str(path))
    in_file = sorted({text(r.get("group_code")) for r in rows} - {""}, key=str.casefold)
    wanted = [c.strip() for c in group_codes.split(",") if c.strip()] or in_file
    unknown = [c for c in wanted if c.casefold() not in {f.casefold() for f in in_file}]
    if unknown:
        raise ConfigurationError(f"group_codes: {', '.join(unknown)} not in {path} (it holds {', '.join(in_file)})")
    chosen = {c.casefold() for c in wanted}
    return [r for r in rows if text(r.get("group_code")).casefold() in chosen], wanted


@dataclass(frozen=True)
class GroupState:
    """The district's groups, the chosen groups' members (with ``group_id``) and the listed users found."""

    groups: list[dict[str, Any]]
    members: list[dict[str, Any]]
    users: list[dict[str, Any]]
    listed: int


def read_group_state(api: Any, wanted: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> GroupState:
    """Read the groups, the members of the ``wanted`` groups, and the users the rows name (by school_uid)."""
    groups = list(api.iter_records("groups"))
    by_code = {text(g.get("group_code")).casefold(): g for g in groups}
    members = [{**m, "group_id": str(by_code[c.casefold()]["id"])}
               for c in wanted if c.casefold() in by_code
               for m in api.iter_records("group_enrollments", group_id=by_code[c.casefold()]["id"])]
    school_uids = sorted({text(r.get("school_uid")) for r in rows} - {""})
    users = list(api.iter_records("users", school_uids=",".join(school_uids))) if school_uids else []
    return GroupState(groups, members, users, len(school_uids))


def group_member_changes(
    rows: Iterable[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]],
    *,
    groups: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
) -> list[Change]:
    """The plan's changes that make the named groups' members match ``rows``: adds link, removes unlink.

    A member whose admin flag differs is linked again with ``update_existing``; undo restores
    every change (see :func:`.enrollment_changes.group_member_plan`).

    Raises:
        RecordError: a row names an unknown group_code or school_uid.
    """
    return group_member_plan(member_differences(rows, current, groups=groups, users=users), current)


def member_change_counts(changes: Iterable[Change]) -> list[dict[str, Any]]:
    """Rows ``group_code, change, members`` (change: add, admin flag, remove), for the job's summary."""
    counts: dict[tuple[str, str], int] = {}
    for c in changes:
        word = "remove" if c.op == UNLINK else "admin flag" if c.op == LINK and c.before.get("linked") else "add"
        key = (text(c.key.get("group_code")), word)
        counts[key] = counts.get(key, 0) + 1
    return [{"group_code": code, "change": word, "members": n} for (code, word), n in sorted(counts.items())]


def member_differences(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    groups: Iterable[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The differences as report rows, adds first then admin updates then removes.

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
