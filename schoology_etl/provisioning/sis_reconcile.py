"""What an SIS users or enrollments file would change in Schoology (job ``reconcile_sis_with_schoology``).

Read-only: the result is a diff in :func:`~.reconcile.diff_records`' shape (``op`` add,
update or remove, ``key``, ``changes`` field by field), never a write.

* users: the file is the desired state of every active user, so users missing from it
  are removes (:func:`user_file_diff`);
* enrollments: the file lists actions (``enroll``/``drop``), so an ``enroll`` of someone
  not enrolled is an add, of someone enrolled in another role an update of ``role``, a
  ``drop`` of an enrollment that exists a remove; rows already true change nothing
  (:func:`enrollment_file_diff`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.reconcile import diff_records
from schoology_etl.provisioning.rows import project, required, text, where
from schoology_etl.provisioning.users import SIS_USER_FIELDS

#: what the reconcile reads of a Schoology user (its keys and the fields an SIS file sets)
USER_FIELDS = ("uid", "id", "school_uid", *SIS_USER_FIELDS)


def current_users(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Schoology users cut down to :data:`USER_FIELDS`, read from a stream (a district's worth
    kept in a fraction of the memory of whole records)."""
    return list(project(records, USER_FIELDS))


def user_file_diff(payloads: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The diff from current ``users`` to user payloads built from an SIS users file (by ``school_uid``)."""
    current = [u for u in users if text(u.get("school_uid"))]
    return diff_records(payloads, current, key="school_uid", fields=SIS_USER_FIELDS)


def enrollment_rows(
    enrollments: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Section enrollments (tagged with ``section_school_code``) as ``section_school_code, school_uid, role`` rows.

    Enrollments of users without a ``school_uid`` are left out.
    """
    school_uids = {text(u.get("uid") or u.get("id")): text(u.get("school_uid")) for u in users}
    rows = []
    for e in enrollments:
        school_uid = school_uids.get(text(e.get("uid")), "")
        if school_uid:
            rows.append({"section_school_code": text(e.get("section_school_code")), "school_uid": school_uid,
                         "role": "teacher" if text(e.get("admin")) == "1" else "student"})
    return rows


def enrollment_file_diff(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    sections: Iterable[str] | None = None,
    school_uids: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The diff an SIS enrollments file (``enroll``/``drop`` rows) would make to ``current`` rows.

    Args:
        rows: the file's rows (``section_school_code, school_uid, role[, action]``;
            a blank action means ``enroll``).
        current: :func:`enrollment_rows` of the client.
        sections, school_uids: known codes; a row naming another raises.

    Raises:
        RecordError: a row with an unknown section, user or action (names the line).
    """
    have = {(r["section_school_code"].casefold(), r["school_uid"].casefold()): r for r in current}
    known_sections = {s.casefold() for s in sections} if sections is not None else None
    known_users = {u.casefold() for u in school_uids} if school_uids is not None else None
    updates, adds, removes = [], [], []
    for i, row in enumerate(rows):
        code = required(row, "section_school_code", index=i, step="reconcile")
        uid = required(row, "school_uid", index=i, step="reconcile")
        action = text(row.get("action")).casefold() or "enroll"
        role = text(row.get("role")).casefold() or "student"
        for column, value, known in (("section_school_code", code, known_sections), ("school_uid", uid, known_users)):
            if known is not None and value.casefold() not in known:
                raise RecordError(f"{where(i)}: column {column!r}: unknown value {value!r}", step="reconcile", index=i,
                                  record=dict(row))
        if action not in ("enroll", "drop"):
            raise RecordError(f"{where(i)}: column 'action': {action!r} is not enroll or drop", step="reconcile",
                              index=i, record=dict(row))
        key = f"{code}|{uid}"
        existing = have.get((code.casefold(), uid.casefold()))
        after = {"section_school_code": code, "school_uid": uid, "role": role}
        if action == "drop" and existing is not None:
            removes.append({"op": "remove", "key": key, "before": dict(existing)})
        elif action == "enroll" and existing is None:
            adds.append({"op": "add", "key": key, "after": after})
        elif action == "enroll" and existing is not None and existing["role"] != role:
            updates.append({"op": "update", "key": key,
                            "changes": {"role": {"before": existing["role"], "after": role}},
                            "before": dict(existing), "after": {**existing, "role": role}})
    return updates + adds + removes
