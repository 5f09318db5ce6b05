"""Deactivate users missing from the SIS and reactivate users by school_uid.

Jobs ``deactivate_missing_users`` and ``reactivate_users``. Deactivation keeps
enrollments (``option_keep_enrollments=1``, see :data:`DEACTIVATE_PARAMS`) and refuses
to go ahead when it would touch more than a given share of the candidates: a truncated
SIS file must not empty a district.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.provisioning.rows import required, text, truthy, where

#: Query flags for ``DELETE /users``: keep grades and attendance; send no email.
DEACTIVATE_PARAMS = {"option_keep_enrollments": 1, "email_notification": 0}


@dataclasses.dataclass
class SisListing:
    """What deactivation needs of a SIS users file: its number of rows and the school_uids it lists."""

    rows: int
    school_uids: set[str]


def read_listed(sis_rows: Iterable[Mapping[str, Any]], path: Any = None) -> SisListing:
    """The school_uids of a SIS users file, read as a stream (only the school_uids are kept).

    Raises:
        SourceFormatError: the file holds a header but no data rows.
    """
    count = 0
    listed: set[str] = set()
    for row in sis_rows:
        count += 1
        listed.add(text(row.get("school_uid")))
    if not count:
        raise SourceFormatError("the file has no data rows (only a header)", path=str(path), line=2)
    return SisListing(count, listed - {""})


@dataclasses.dataclass
class MissingUsers:
    """What :func:`find_missing_users` found: how many active users were read, and the users to deactivate
    (whole records, for the plan's ``before``)."""

    users: int
    candidates: int
    gone: list[dict[str, Any]]

    def rows(self) -> list[dict[str, Any]]:
        """``{id, uid, school_uid, name_first, name_last, role_id}`` for each user to deactivate."""
        fields = ("school_uid", "name_first", "name_last", "role_id")
        return [
            {"id": text(u.get("uid") or u.get("id")), "uid": text(u.get("uid") or u.get("id"))}
            | {f: u.get(f) for f in fields}
            for u in self.gone
        ]


def find_missing_users(
    users: Iterable[Mapping[str, Any]],
    listed: Iterable[Any],
    *,
    max_share: float = 0.1,
    role_ids: Iterable[Any] | None = None,
    exclude_role_ids: Iterable[Any] | None = None,
    exclude_uids: Iterable[Any] = (),
) -> MissingUsers:
    """Users with a ``school_uid`` that the SIS file no longer lists, reading ``users`` once as a stream.

    Only the users to deactivate are kept (as whole records); the others are counted.

    Args:
        users: current API users (a stream is read once).
        listed: the school_uids the SIS users file lists (see :func:`read_listed`).
        max_share: refuse when more than this share (0..1) of the candidate users would
            be deactivated.
        role_ids: only users in these roles are candidates (``None``: every role).
        exclude_role_ids: users in these roles are never candidates (e.g. staff roles,
            see :func:`.guards.faculty_role_ids`).
        exclude_uids: users never candidates (the account the job runs as); still counted in ``users``.

    Raises:
        ConfigurationError: the share is above ``max_share`` (nothing is returned).
    """
    if not 0 <= max_share <= 1:
        raise ConfigurationError(f"max_share must be between 0 and 1, not {max_share!r}")
    known = listed if isinstance(listed, (set, frozenset)) else {text(s) for s in listed}
    roles = {text(r) for r in role_ids} if role_ids else None
    excluded = {text(r) for r in exclude_role_ids or ()}
    spared = {text(u) for u in exclude_uids}
    count = candidates = 0
    gone: list[dict[str, Any]] = []
    for u in users:
        count += 1
        school_uid = text(u.get("school_uid"))
        role = text(u.get("role_id"))
        if not school_uid or (roles is not None and role not in roles) or role in excluded:
            continue
        if spared and text(u.get("uid")) in spared:
            continue
        candidates += 1
        if school_uid not in known:
            gone.append(dict(u))
    if candidates and len(gone) / candidates > max_share:
        raise ConfigurationError(
            f"{len(gone)} of {candidates} users ({len(gone) / candidates:.0%}) are missing from the SIS "
            f"file, above the allowed share {max_share:.0%}; is the file complete?"
        )
    return MissingUsers(count, candidates, gone)


def missing_users(
    users: Iterable[Mapping[str, Any]],
    sis_rows: Iterable[Mapping[str, Any]],
    *,
    max_share: float = 0.1,
    role_ids: Iterable[Any] | None = None,
    exclude_role_ids: Iterable[Any] | None = None,
) -> list[dict[str, Any]]:
    """Users with a ``school_uid`` that the SIS file no longer lists.

    Args:
        users: current API users.
        sis_rows: rows of the SIS ``users`` file (column ``school_uid``).
        max_share: refuse when more than this share (0..1) of the candidate users would
            be deactivated.
        role_ids: only users in these roles are candidates (``None``: every role).
        exclude_role_ids: users in these roles are never candidates (e.g. staff roles,
            see :func:`.guards.faculty_role_ids`).

    Returns:
        ``{id, uid, school_uid, name_first, name_last, role_id}`` for each user to deactivate.

    Raises:
        ConfigurationError: the share is above ``max_share`` (nothing is returned).
    """
    if not 0 <= max_share <= 1:
        raise ConfigurationError(f"max_share must be between 0 and 1, not {max_share!r}")
    listed = {text(r.get("school_uid")) for r in sis_rows} - {""}
    return find_missing_users(users, listed, max_share=max_share, role_ids=role_ids,
                              exclude_role_ids=exclude_role_ids).rows()


def inactive_name(user: Mapping[str, Any]) -> str:
    """The full name of an inactive user: the listing's ``name``, else first and last name."""
    first_last = (text(user.get("name_first")), text(user.get("name_last")))
    return text(user.get("name")) or " ".join(p for p in first_last if p)


def reactivation_items(
    inactive_users: Iterable[Mapping[str, Any]],
    rows: Iterable[Mapping[str, Any]],
    *,
    reenroll: bool = True,
) -> list[dict[str, Any]]:
    """Reactivations for rows of ``school_uid`` (optional ``reenroll`` column).

    Each item is ``{uid, school_uid, name, option_reenroll}``; the request itself carries
    only ``uid`` and ``option_reenroll`` (``{"user": [...]}``, as documented).

    Raises:
        RecordError: a row names a school_uid that is not among the inactive users.
    """
    by_uid = {text(u.get("school_uid")): u for u in inactive_users if text(u.get("school_uid"))}
    items = []
    for i, row in enumerate(rows):
        school_uid = required(row, "school_uid", index=i, step="reactivate")
        user = by_uid.get(school_uid)
        if user is None:
            raise RecordError(
                f"{where(i)}: column 'school_uid': {school_uid!r} is not an inactive user",
                step="reactivate",
                index=i,
                record=dict(row),
            )
        again = truthy(row["reenroll"]) if text(row.get("reenroll")) else reenroll
        items.append(
            {"uid": text(user.get("uid") or user.get("id")), "school_uid": school_uid, "name": inactive_name(user),
             "option_reenroll": int(again)}
        )
    return items


def drop_targets(client: Any, rules: Iterable[str], sis_rows: Iterable[Mapping[str, Any]] | None = None,
                 ) -> tuple[list[Any], list[str]]:
    """Whose enrollments ``drop_enrollments_of_inactive`` drops: ``(inactive uids, missing school_uids)``.

    Rule ``inactive``: every inactive user's uid; rule ``missing_from_sis``: the school_uids of
    active users the SIS users file (``sis_rows``, required for that rule) does not list.
    """
    rules = set(rules)
    inactive = ([u.get("uid") or u.get("id") for u in client.iter_records("users_inactive")]
                if "inactive" in rules else [])
    if "missing_from_sis" not in rules:
        return inactive, []
    if sis_rows is None:
        raise ConfigurationError("users_csv: the rule missing_from_sis needs the SIS users file")
    return inactive, [text(u["school_uid"]) for u in missing_users(client.iter_records("users"), sis_rows)]
