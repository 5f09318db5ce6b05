"""Find likely duplicate users, active and inactive (job ``find_duplicate_users``).

Rules (keys from :mod:`.identity_keys`; :data:`RULES` says each in words for the report):

* ``name_birthday``: two active accounts with the same first and last name and birthday;
* ``email``: two active accounts whose e-mail addresses reach one mailbox (case, spaces,
  and only what the provider documents: Gmail's dots, ``+tags`` at Gmail, Outlook,
  Fastmail and Proton);
* ``inactive_name``: an inactive account with the same full name as another account;
* ``inactive_school_uid``: an inactive account whose SIS id equals another's once case,
  spaces and leading zeros are set aside (``S0100042`` = ``S100042``).

The documented inactive listing (``GET /users/inactive``) gives only ``uid``, ``name``
(the full name), ``school_uid`` and ``synced``, so inactive accounts are compared by name
and SIS id only.

The scan streams: the first pass keeps a 64-bit digest per key and one uid per digest,
never a whole record; a second pass over the same (re-iterable) users collects the
fields of the few accounts in a group and checks each one's key again, so a digest
collision can never make a group.

>>> users = [{"uid": 1, "primary_email": "Ann.Lee@gmail.com"}, {"uid": 2, "primary_email": "annlee@GMail.com"},
...          {"uid": 3, "primary_email": "ann.lee@x.org"}, {"uid": 4, "primary_email": "annlee@x.org"}]
>>> [(g["rule"], g["uids"]) for g in find_duplicate_users(users)]
[('email', ['1', '2'])]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.provisioning.rows import project, text
from schoology_etl.provisioning.users.birthdays import with_birthdays_compact
from schoology_etl.provisioning.users.identity_keys import (
    digest,
    full_name_key,
    name_birthday_key,
    normalize_email,
    school_uid_key,
)

#: rule -> what it means, as the report says it
RULES = {
    "name_birthday": "same first and last name and same birthday",
    "email": "same mailbox: e-mail addresses equal once case, spaces and what the provider ignores are set aside",
    "inactive_name": "an inactive account has the same full name",
    "inactive_school_uid": "an inactive account has the same SIS id once case, spaces and leading zeros are set aside",
}
ACTIVE_RULES = ("name_birthday", "email")
INACTIVE_RULES = ("inactive_name", "inactive_school_uid")

#: Columns of :func:`duplicate_rows` (the ``find_duplicate_users`` job's CSV).
DUPLICATE_COLUMNS = (
    "group",
    "rule",
    "why",
    "key",
    "uid",
    "school_uid",
    "active",
    "name",
    "name_first",
    "name_middle",
    "name_last",
    "birthday_date",
    "primary_email",
    "building_id",
    "synced",
)
_SHOWN = DUPLICATE_COLUMNS[8:]
#: what the rules and the report read of an active user
USER_FIELDS = ("uid", "id", "school_uid", *_SHOWN)
#: what the inactive listing gives
INACTIVE_FIELDS = ("uid", "id", "school_uid", "name", "synced")


def _uid(user: Mapping[str, Any]) -> str:
    return text(user.get("uid") or user.get("id"))


def user_keys(user: Mapping[str, Any], *, active: bool = True) -> list[tuple[str, str]]:
    """``(rule, key)`` pairs of one user; an active user's also carry the inactive rules' keys."""
    keys = []
    if active:
        keys += [("name_birthday", name_birthday_key(user)), ("email", normalize_email(user.get("primary_email")))]
    keys += [("inactive_name", full_name_key(user)), ("inactive_school_uid", school_uid_key(user.get("school_uid")))]
    return [(rule, key) for rule, key in keys if key]


def _reiterable(records: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """``records`` when it can be iterated again (a list, a source), else a list of it."""
    return list(records) if iter(records) is records else records


@dataclass
class DuplicateScan:
    """Groups of accounts that look like one person, and the fields of their members."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    scanned: dict[str, int] = field(default_factory=lambda: {"active": 0, "inactive": 0})

    def rows(self) -> list[dict[str, Any]]:
        """One row per member of each group (:data:`DUPLICATE_COLUMNS`)."""
        return duplicate_rows(self.groups, self.members.values())


def scan_duplicates(
    users: Iterable[Mapping[str, Any]], inactive_users: Iterable[Mapping[str, Any]] = ()
) -> DuplicateScan:
    """Find duplicate groups among active ``users`` and ``inactive_users`` (each read twice).

    Returns:
        A :class:`DuplicateScan`: ``groups`` (``rule``, ``why``, ``key``, ``uids``,
        ``school_uids``; sorted by rule then key; members in input order, inactive ones
        first) and ``members`` (uid -> the member's fields, ``active`` 1 or 0).
    """
    users, inactive_users = _reiterable(users), _reiterable(inactive_users)
    first: dict[int, Any] = {}  # digest -> the first account's uid
    found: dict[int, dict[str, Any]] = {}  # digest -> group, once a second account has the key
    scan = DuplicateScan()
    for active, records in ((False, inactive_users), (True, users)):
        for user in records:
            scan.scanned["active" if active else "inactive"] += 1
            uid = _uid(user)
            number = int(uid) if uid.isdigit() and not uid.startswith("0") else uid
            for rule, key in user_keys(user, active=active):
                d = digest(rule, key)
                if d in found:
                    found[d]["uids"].append(uid)
                elif d in first:
                    found[d] = {"rule": rule, "uids": [str(first.pop(d)), uid]}
                elif not active or rule in ACTIVE_RULES:  # inactive rules: only keys an inactive account holds
                    first[d] = number  # a number where the uid is digits: smaller than its text
    del first
    wanted = {uid for g in found.values() for uid in g["uids"]}
    for active, records, fields in ((False, inactive_users, INACTIVE_FIELDS), (True, users, USER_FIELDS)):
        for user in project(records, fields):
            uid = _uid(user)
            if uid in wanted:
                scan.members[uid] = {
                    **user,
                    "uid": uid,
                    "active": int(active),
                    "_keys": dict(user_keys(user, active=active)),
                }
    for group in found.values():
        # each member's own key again: a digest collision splits here, a record gone between the passes drops out
        parts: dict[str, list[str]] = {}
        for uid in group["uids"]:
            key = scan.members.get(uid, {}).get("_keys", {}).get(group["rule"])
            if key:
                parts.setdefault(key, []).append(uid)
        for key, uids in parts.items():
            inactive_rule = group["rule"] in INACTIVE_RULES
            if len(uids) >= 2 and not (inactive_rule and all(scan.members[u]["active"] for u in uids)):
                scan.groups.append(
                    {
                        "rule": group["rule"],
                        "why": RULES[group["rule"]],
                        "key": key,
                        "uids": uids,
                        "school_uids": [text(scan.members[u].get("school_uid")) for u in uids],
                    }
                )
    scan.groups.sort(key=lambda g: (g["rule"], g["key"]))
    for member in scan.members.values():
        del member["_keys"]
    return scan


def find_duplicate_users(
    users: Iterable[Mapping[str, Any]], inactive_users: Iterable[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """Groups of two or more accounts that look like one person (see :func:`scan_duplicates`)."""
    return scan_duplicates(users, inactive_users).groups


def duplicate_rows(groups: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per member of each group, with the account's identifying fields.

    ``group`` numbers the groups from 1, in the order given; ``users`` are the members
    (active ones as listed; inactive ones with ``active: 0`` and their ``name``).
    """
    by_uid = {_uid(u): u for u in users}
    rows = []
    for n, group in enumerate(groups, 1):
        for uid in group["uids"]:
            user = by_uid.get(uid, {})
            name = text(user.get("name")) or " ".join(
                p for p in (text(user.get("name_first")), text(user.get("name_last"))) if p
            )
            rows.append(
                {
                    "group": n,
                    "rule": group["rule"],
                    "why": RULES.get(group["rule"], ""),
                    "key": group["key"],
                    "uid": uid,
                    "school_uid": text(user.get("school_uid")),
                    "active": int(user.get("active", 1)),
                    "name": name,
                    **{f: text(user.get(f)) for f in _SHOWN},
                }
            )
    return rows


class ClientUsers:
    """The client's users as a re-iterable source, each pass a new read cut to what the rules need.

    ``inactive=False``: ``GET /users`` with birthdays (see :mod:`.birthdays`);
    ``inactive=True``: ``GET /users/inactive``.
    """

    def __init__(self, client: Any, *, inactive: bool = False) -> None:
        self.client, self.inactive = client, inactive

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.inactive:
            return project(self.client.iter_records("users_inactive"), INACTIVE_FIELDS)
        return project(with_birthdays_compact(self.client.iter_records("users"), self.client), USER_FIELDS)


def scan_client(client: Any, *, include_inactive: bool = True) -> DuplicateScan:
    """:func:`scan_duplicates` over the client's active users, and inactive ones unless ``include_inactive`` is off."""
    return scan_duplicates(ClientUsers(client), ClientUsers(client, inactive=True) if include_inactive else ())


def current_users(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Users cut down to what the rules and the report read (:data:`USER_FIELDS`), from a stream."""
    return list(project(records, USER_FIELDS))
