"""Merge duplicate accounts (job ``merge_duplicate_users``): one plan per set of chosen pairs.

For each pair (the account to *keep*, the account to *merge*): the merged account's
section enrollments and group memberships are linked to the kept account (with the same
admin flag and status; a section or group the kept account is in already is left as it
is) and unlinked from the merged one; its parent links (as a student: its parents; as a
parent: its children) are linked to the kept account and unlinked from it; then it is
deactivated, its enrollments kept. The plan is applied in its own order (links, unlinks,
then deactivations: a parent link can only be unlinked while both accounts are active),
and undo reactivates the merged accounts before linking their enrollments and parents back.

Pairs come from a pairs file (``keep_uid, merge_uid`` or ``keep_school_uid,
merge_school_uid``) or from the ``find_duplicate_users`` report: there each group of two
active accounts is a pair, the SIS's account (``synced`` 1) kept and the hand-made one
(``synced`` 0) merged; a group with an inactive account has nothing left to merge and is
skipped; a group where the choice is not clear is refused, asking for a pairs file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.plans.model import DELETE, LINK, UNLINK, Change
from schoology_etl.provisioning.enrollments.enrollment_changes import enrollment_unlink
from schoology_etl.provisioning.rows import split_ids, text, truthy, where

STEP = "merge_duplicate_users"
PAIR_COLUMNS = (("keep_uid", "merge_uid"), ("keep_school_uid", "merge_school_uid"))
REPORT_COLUMNS = ("group", "uid")
#: user fields the merge itself changes before the deactivation (left out of its drift check)
MOVED_FIELDS = frozenset({"child_uids", "parents", "parent_uids"})


@dataclass(frozen=True)
class Pair:
    """One merge: ``keep`` and ``merge`` are the accounts (as listed); ``lines`` the file lines it came from."""

    keep: dict[str, Any]
    merge: dict[str, Any]
    lines: tuple[int, ...]

    @property
    def place(self) -> str:
        return (
            "line " + ", ".join(map(str, self.lines))
            if len(self.lines) == 1
            else "lines " + ", ".join(map(str, self.lines))
        )


def _uid(user: Mapping[str, Any]) -> str:
    return text(user.get("uid") or user.get("id"))


def _who(user: Mapping[str, Any]) -> str:
    name = text(user.get("name")) or " ".join(
        p for p in (text(user.get("name_first")), text(user.get("name_last"))) if p
    )
    return f"{_uid(user)} ({text(user.get('school_uid'))}{', ' + name if name else ''})"


class _Accounts:
    """Active and inactive accounts by uid and by school_uid."""

    def __init__(self, users: Iterable[Mapping[str, Any]], inactive: Iterable[Mapping[str, Any]]) -> None:
        self.by: dict[str, dict[str, dict[str, Any]]] = {"uid": {}, "school_uid": {}}
        for active, records in ((True, users), (False, inactive)):
            for user in records:
                record = {**user, "_active": active}
                self.by["uid"][_uid(user)] = record
                if text(user.get("school_uid")):
                    self.by["school_uid"].setdefault(text(user.get("school_uid")), record)

    def find(self, field: str, value: str, *, index: int, column: str, row: Mapping[str, Any]) -> dict[str, Any]:
        if not value:
            raise RecordError(f"{where(index)}: column {column!r} is empty", step=STEP, index=index, record=dict(row))
        found = self.by[field].get(value)
        if found is None:
            raise RecordError(
                f"{where(index)}: column {column!r}: no user with {field} {value!r}",
                step=STEP,
                index=index,
                record=dict(row),
            )
        return found


def pairs_from_file(rows: Sequence[Mapping[str, Any]]) -> str:
    """Which form a file is in: ``"report"`` (the duplicates report) or ``"pairs"``; else a clear error."""
    columns = set().union(*(r.keys() for r in rows)) if rows else set()
    if set(REPORT_COLUMNS) <= columns:
        return "report"
    if any(set(p) <= columns for p in PAIR_COLUMNS):
        return "pairs"
    raise ConfigurationError(
        "the pairs file needs columns keep_uid and merge_uid, or keep_school_uid and merge_school_uid, "
        f"or is the find_duplicate_users report (group, uid, ...); it has {', '.join(sorted(columns)) or 'no columns'}"
    )


def _check_pair(
    keep: dict[str, Any], merge: dict[str, Any], *, index: int, row: Mapping[str, Any], columns: tuple[str, str]
) -> None:
    if _uid(keep) == _uid(merge):
        raise RecordError(
            f"{where(index)}: keep and merge name the same user {_who(keep)}", step=STEP, index=index, record=dict(row)
        )
    if not keep["_active"]:
        raise RecordError(
            f"{where(index)}: column {columns[0]!r}: user {_who(keep)} is inactive; keep an active "
            "account (reactivate it first)",
            step=STEP,
            index=index,
            record=dict(row),
        )
    if not merge["_active"]:
        raise RecordError(
            f"{where(index)}: column {columns[1]!r}: user {_who(merge)} is inactive already: nothing to "
            "merge (to keep that account, reactivate it and merge the other into it)",
            step=STEP,
            index=index,
            record=dict(row),
        )


def _from_pairs(rows: Sequence[Mapping[str, Any]], accounts: _Accounts) -> list[Pair]:
    pairs = []
    for i, row in enumerate(rows):
        columns = next((p for p in PAIR_COLUMNS if text(row.get(p[0])) or text(row.get(p[1]))), None)
        if columns is None:
            raise RecordError(
                f"{where(i)}: give keep_uid and merge_uid, or keep_school_uid and merge_school_uid",
                step=STEP,
                index=i,
                record=dict(row),
            )
        field = columns[0].removeprefix("keep_")
        keep, merge = (accounts.find(field, text(row.get(c)), index=i, column=c, row=row) for c in columns)
        _check_pair(keep, merge, index=i, row=row, columns=columns)
        pairs.append(Pair(keep, merge, (i + 2,)))
    return pairs


def _from_report(
    rows: Sequence[Mapping[str, Any]], accounts: _Accounts, groups: Iterable[Any]
) -> tuple[list[Pair], list[dict[str, Any]]]:
    members: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        members.setdefault(text(row.get("group")), []).append(i)
    chosen = [text(g) for g in groups]
    unknown = [g for g in chosen if g not in members]
    if unknown:
        raise ConfigurationError(f"groups: {', '.join(unknown)} not in the report (it has groups 1 to {len(members)})")
    pairs, skipped, seen = [], [], set()
    for group in chosen or list(members):
        lines = members[group]
        found = [accounts.find("uid", text(rows[i].get("uid")), index=i, column="uid", row=rows[i]) for i in lines]
        span = f"group {group} (lines {', '.join(str(i + 2) for i in lines)})"
        if any(not u["_active"] for u in found):
            skipped.append(
                {"group": group, "uids": [_uid(u) for u in found], "reason": "an account is inactive already"}
            )
            continue
        synced = [u for u in found if truthy(u.get("synced"))]
        if len(found) != 2 or len(synced) != 1:
            raise RecordError(
                f"{span}: cannot tell which account to keep ({len(found)} active accounts, {len(synced)} "
                "synced from the SIS); list the pair in a file with keep_uid and merge_uid",
                step=STEP,
                index=lines[0],
                record=dict(rows[lines[0]]),
            )
        keep = synced[0]
        merge = next(u for u in found if u is not keep)
        if (_uid(keep), _uid(merge)) not in seen:  # one pair found by several rules is one merge
            seen.add((_uid(keep), _uid(merge)))
            pairs.append(Pair(keep, merge, tuple(i + 2 for i in lines)))
    return pairs, skipped


def choose_pairs(
    rows: Sequence[Mapping[str, Any]],
    users: Iterable[Mapping[str, Any]],
    inactive_users: Iterable[Mapping[str, Any]] = (),
    *,
    groups: Any = None,
    max_pairs: int | None = None,
) -> tuple[list[Pair], list[dict[str, Any]]]:
    """The pairs to merge, checked, from a pairs file or the duplicates report.

    Args:
        rows: the file's rows (see the module docstring for both forms).
        users, inactive_users: the accounts now (active listing, inactive listing).
        groups: report only: the group numbers to merge (a list or comma-separated text); empty: every group.
        max_pairs: refuse more pairs than this.

    Returns:
        ``(pairs, skipped)``: skipped report groups with the reason.

    Raises:
        RecordError: naming the line: an unknown uid or school_uid, a pair naming one user
            twice, an inactive account, a user in two pairs, a report group with no clear choice.
        ConfigurationError: a file in neither form, unknown groups, more than ``max_pairs``.
    """
    rows = list(rows)
    accounts = _Accounts(users, inactive_users)
    if pairs_from_file(rows) == "report":
        pairs, skipped = _from_report(rows, accounts, split_ids(groups))
    else:
        if split_ids(groups):
            raise ConfigurationError(
                "groups: only for the find_duplicate_users report; this is a keep/merge pairs file"
            )
        pairs, skipped = _from_pairs(rows, accounts), []
    held: dict[str, Pair] = {}
    for pair in pairs:
        for user in (pair.keep, pair.merge):
            other = held.get(_uid(user))
            if other is not None:
                raise RecordError(
                    f"{pair.place}: user {_who(user)} is in two pairs (also on {other.place})",
                    step=STEP,
                    index=pair.lines[0] - 2,
                )
            held[_uid(user)] = pair
    if max_pairs is not None and len(pairs) > max_pairs:
        raise ConfigurationError(
            f"{len(pairs)} pairs to merge, above max_pairs {max_pairs}; raise max_pairs or choose fewer pairs"
        )
    return pairs, skipped


def merge_changes(
    pairs: Sequence[Pair],
    memberships: Iterable[Mapping[str, Any]],
    parent_links: Iterable[tuple[str, str]],
) -> list[Change]:
    """The plan: links to the kept accounts, unlinks from the merged ones, then their deactivation.

    Args:
        pairs: from :func:`choose_pairs`.
        memberships: the section and group enrollments of the paired accounts: ``realm``
            (``section``/``group``), ``realm_id``, ``code`` (section_school_code or
            group_code), ``id``, ``uid``, ``admin``, ``status``.
        parent_links: ``(student_school_uid, parent_school_uid)`` pairs linked now.
    """
    memberships = list(memberships)
    links = set(parent_links)
    held = {(m["realm"], text(m["realm_id"]), text(m["uid"])) for m in memberships}
    enroll, drop, link, unlink, deactivate = [], [], [], [], []
    for pair in pairs:
        keep, merge = pair.keep, pair.merge
        k_uid, m_uid, k_sid, m_sid = (
            _uid(keep),
            _uid(merge),
            text(keep.get("school_uid")),
            text(merge.get("school_uid")),
        )
        for m in (m for m in memberships if text(m["uid"]) == m_uid):
            realm, realm_id, code = m["realm"], text(m["realm_id"]), text(m.get("code"))
            code_field = "section_school_code" if realm == "section" else "group_code"
            if (realm, realm_id, k_uid) not in held:
                held.add((realm, realm_id, k_uid))
                after = {
                    "realm": realm,
                    f"{realm}_id": realm_id,
                    "uid": k_uid,
                    "admin": "1" if truthy(m.get("admin")) else "0",
                    "status": text(m.get("status")) or "1",
                }
                enroll.append(Change(0, LINK, "enrollments", {code_field: code, "school_uid": k_sid}, None, {}, after))
            drop.append(
                enrollment_unlink(
                    {**m, f"{realm}_id": realm_id}, realm=realm, key={code_field: code, "school_uid": m_sid}
                )
            )
        deactivate.append(
            Change(
                0,
                DELETE,
                "users",
                {"school_uid": m_sid},
                m_uid,
                {k: v for k, v in merge.items() if not k.startswith("_") and k not in MOVED_FIELDS},
                {},
            )
        )
    to_keep = {text(p.merge.get("school_uid")): text(p.keep.get("school_uid")) for p in pairs}
    for student, parent in sorted(links):  # a link between two merged accounts becomes one between the kept ones
        moved = (to_keep.get(student, student), to_keep.get(parent, parent))
        if moved == (student, parent):
            continue
        if moved[0] != moved[1] and moved not in links:
            links.add(moved)
            link.append(
                Change(0, LINK, "parent_associations", _assoc_key(moved), None, {"linked": False}, {"linked": True})
            )
        unlink.append(
            Change(
                0,
                UNLINK,
                "parent_associations",
                _assoc_key((student, parent)),
                None,
                {"linked": True},
                {"linked": False},
            )
        )
    return [c.renumbered(n) for n, c in enumerate([*enroll, *link, *drop, *unlink, *deactivate], 1)]


def _assoc_key(pair: tuple[str, str]) -> dict[str, str]:
    return {"student_school_uid": pair[0], "parent_school_uid": pair[1]}


def read_memberships(client: Any, pairs: Sequence[Pair]) -> list[dict[str, Any]]:
    """Section and group enrollments of every account in ``pairs``, read per merged account.

    ``GET /users/{id}/sections`` and ``/groups`` of the merged account, then each of those
    sections' and groups' enrollments filtered to the pair's two uids.
    """
    out = []
    for pair in pairs:
        uids = f"{_uid(pair.merge)},{_uid(pair.keep)}"
        for realm, listing, code_field, enrollments in (
            ("section", "user_sections", "section_school_code", "section_enrollments"),
            ("group", "user_groups", "group_code", "group_enrollments"),
        ):
            for place in client.iter_records(listing, id=_uid(pair.merge)):
                for e in client.iter_records(enrollments, uid=uids, **{f"{realm}_id": place["id"]}):
                    out.append(
                        {**e, "realm": realm, "realm_id": text(place["id"]), "code": text(place.get(code_field))}
                    )
    return out


def merge_summary(pairs: Sequence[Pair], changes: Sequence[Change]) -> list[dict[str, Any]]:
    """One row per pair: who is kept, who is merged, and how many of each change it brings."""
    rows = []
    for pair in pairs:
        k_sid, m_sid = text(pair.keep.get("school_uid")), text(pair.merge.get("school_uid"))
        mine = [c for c in changes if m_sid in c.key.values() or (c.op == LINK and k_sid in c.key.values())]
        count = {f"{c.realm} {c.op}": 0 for c in mine}
        for c in mine:
            count[f"{c.realm} {c.op}"] += 1
        rows.append(
            {
                "lines": pair.place,
                "keep": _who(pair.keep),
                "merge": _who(pair.merge),
                "changes": ", ".join(f"{n} {k}" for k, n in count.items()),
            }
        )
    return rows
