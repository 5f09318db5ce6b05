"""Find likely duplicate users (job ``find_duplicate_users``).

Two rules: the same first and last name with the same birthday, and emails that differ
only by case or by dots in the part before ``@`` (``Ann.Lee@x.org`` = ``annlee@x.org``).

>>> users = [{"uid": 1, "primary_email": "Ann.Lee@x.org"}, {"uid": 2, "primary_email": "annlee@X.org"}]
>>> [(g["rule"], g["uids"]) for g in find_duplicate_users(users)]
[('email', ['1', '2'])]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.rows import project, text


def normalize_email(email: Any) -> str:
    """Case-folded, with dots removed before the ``@``; ``""`` for blanks."""
    value = text(email).casefold()
    if "@" not in value:
        return value
    local, _, domain = value.rpartition("@")
    return f"{local.replace('.', '')}@{domain}"


def _name_key(user: Mapping[str, Any]) -> str | None:
    first, last, birthday = (text(user.get(f)).casefold() for f in ("name_first", "name_last", "birthday_date"))
    if not (first and last and birthday):
        return None
    return f"{' '.join(first.split())}|{' '.join(last.split())}|{birthday}"


def find_duplicate_users(users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Groups of two or more users that look like one person.

    Returns:
        One dict per group: ``rule`` (``"name_birthday"`` or ``"email"``), ``key`` (the
        normalised value they share), ``uids`` and ``school_uids`` (in input order).
        Groups are sorted by rule then key.
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for user in users:
        name = _name_key(user)
        if name:
            groups.setdefault(("name_birthday", name), []).append(user)
        email = normalize_email(user.get("primary_email"))
        if email:
            groups.setdefault(("email", email), []).append(user)
    found = []
    for (rule, key), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        found.append(
            {
                "rule": rule,
                "key": key,
                "uids": [text(m.get("uid") or m.get("id")) for m in members],
                "school_uids": [text(m.get("school_uid")) for m in members],
            }
        )
    return found


#: Columns of :func:`duplicate_rows` (the ``find_duplicate_users`` job's CSV).
DUPLICATE_COLUMNS = (
    "group", "rule", "key", "uid", "school_uid", "name_first", "name_middle", "name_last", "birthday_date",
    "primary_email", "building_id", "synced",
)
#: what the rules and the report read of a user
USER_FIELDS = ("uid", "id", *DUPLICATE_COLUMNS[4:])


def duplicate_rows(groups: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per member of each group of :func:`find_duplicate_users`, with the user's identifying fields.

    ``group`` numbers the groups from 1, in the order given.
    """
    by_uid = {text(u.get("uid") or u.get("id")): u for u in users}
    rows = []
    for n, group in enumerate(groups, 1):
        for uid in group["uids"]:
            user = by_uid.get(uid, {})
            rows.append({"group": n, "rule": group["rule"], "key": group["key"], "uid": uid,
                         **{f: text(user.get(f)) for f in DUPLICATE_COLUMNS[4:]}})
    return rows


def current_users(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Users cut down to what the rules and the report read (:data:`USER_FIELDS`), from a stream."""
    return list(project(records, USER_FIELDS))
