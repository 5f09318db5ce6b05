"""New groups from a file, with their first members -> plan changes (job ``create_groups``).

One row per group: ``group_code`` (required: it names the group for its members and for
a re-run), ``title`` (required), ``description``, ``building_code`` (empty: the whole
school), ``privacy_level`` (``everyone``, ``school``, ``building`` or ``group``; empty: the
API's default, ``school``), ``members`` and ``admins`` (school_uids separated by ``;``).

The API creates groups one at a time (``POST /groups`` takes one object; no bulk form is
documented), and a member can be enrolled only once the group has an id. So the plan holds
one ``groups`` create per row, then one ``group_members`` link per member, keyed by
``group_code`` + ``school_uid``: apply writes the creates first, then reads the new groups'
ids by code (see :func:`schoology_etl.plans.targets.group_ids_by_code`). Undo deletes the
groups, and their members with them.

>>> rows = [{"group_code": "G1", "title": "Chess", "members": "S1;S2", "admins": "T1"}]
>>> users = [{"uid": n, "school_uid": u} for n, u in enumerate(["S1", "S2", "T1"], 1)]
>>> changes = group_changes(rows, groups=[], users=users)
>>> [(c.op, c.realm, c.key.get("school_uid"), c.after.get("admin")) for c in changes]  # doctest: +NORMALIZE_WHITESPACE
[('create', 'groups', None, None), ('link', 'group_members', 'T1', 1),
 ('link', 'group_members', 'S1', 0), ('link', 'group_members', 'S2', 0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.plans.model import CREATE, LINK, Change
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import required, text, where
from schoology_etl.provisioning.sis.sis_specs import split_list

#: Privacy levels a write may set (``custom`` is read only, as documented).
PRIVACY_LEVELS = ("everyone", "school", "building", "group")
MEMBER_REALM = "group_members"


def _error(index: int, message: str, row: Mapping[str, Any]) -> RecordError:
    return RecordError(f"{where(index)}: {message}", step="create_groups", index=index, record=dict(row))


def _group_item(index: int, row: Mapping[str, Any], buildings: Lookup | None) -> dict[str, Any]:
    """The ``POST /groups`` body of one row (checked)."""
    item = {"title": required(row, "title", index=index, step="create_groups"),
            "group_code": required(row, "group_code", index=index, step="create_groups")}
    if text(row.get("description")):
        item["description"] = text(row.get("description"))
    code = text(row.get("building_code"))
    if code:
        if buildings is None:
            raise _error(index, f"column 'building_code': {code!r} given but no buildings were read", row)
        item["building_id"] = buildings.resolve(code, index=index, field="building_code")
    privacy = text(row.get("privacy_level")).casefold()
    if privacy:
        if privacy not in PRIVACY_LEVELS:
            raise _error(index, f"column 'privacy_level': {privacy!r} is not one of {', '.join(PRIVACY_LEVELS)}"
                         + (" (custom is read only in the API)" if privacy == "custom" else ""), row)
        item["privacy_level"] = privacy
    return item


def _members(index: int, row: Mapping[str, Any], known: Mapping[str, str]) -> list[tuple[str, int]]:
    """``(school_uid, admin)`` for the row's admins, then its members; unknown or repeated ones refused."""
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for column, admin in (("admins", 1), ("members", 0)):
        for school_uid in split_list(row.get(column)):
            if school_uid not in known:
                raise _error(index, f"column {column!r}: no active user with school_uid {school_uid!r}", row)
            if school_uid in seen:
                raise _error(index, f"column {column!r}: {school_uid!r} is listed twice (as member or admin)", row)
            seen.add(school_uid)
            out.append((school_uid, admin))
    return out


def group_changes(rows: Iterable[Mapping[str, Any]], *, groups: Iterable[Mapping[str, Any]],
                  users: Iterable[Mapping[str, Any]], buildings: Lookup | None = None) -> list[Change]:
    """Creates for the file's groups, then a link per member (admins as ``admin`` 1).

    Args:
        rows: the file's rows (see the module doc).
        groups: the groups that exist now (a ``group_code`` already used is refused).
        users: active users (``uid``, ``school_uid``): every member must be one.
        buildings: building code -> id (:func:`.lookups.building_lookup`), needed when a row names one.

    Raises:
        RecordError: naming the line and column of an empty title or code, a code used already (in the
            district or on an earlier line), an unknown building, privacy level or member.
    """
    existing = {text(g.get("group_code")).casefold(): text(g.get("title")) for g in groups if text(g.get("group_code"))}
    known = {text(u.get("school_uid")): text(u.get("uid") or u.get("id")) for u in users if text(u.get("school_uid"))}
    creates: list[Change] = []
    links: list[Change] = []
    lines: dict[str, int] = {}
    for i, row in enumerate(rows):
        item = _group_item(i, row, buildings)
        code = item["group_code"]
        if code.casefold() in existing:
            raise _error(i, f"column 'group_code': a group with group_code {code!r} exists already "
                            f"({existing[code.casefold()]!r})", row)
        if code.casefold() in lines:
            raise _error(i, f"column 'group_code': {code!r} is already on {where(lines[code.casefold()])}", row)
        lines[code.casefold()] = i
        creates.append(Change(0, CREATE, "groups", {"group_code": code}, None, {}, item))
        for school_uid, admin in _members(i, row, known):
            links.append(Change(0, LINK, MEMBER_REALM, {"group_code": code, "school_uid": school_uid}, None,
                                {"linked": False}, {"uid": known[school_uid], "admin": admin, "status": 1}))
    return [c.renumbered(n) for n, c in enumerate(creates + links, 1)]
