"""The enrollments and parents kinds of ``reconcile_sis_with_schoology``: who is in which
section, and which parent is linked to which student, compared with an SIS file.

Both hold a district's worth of memberships, so both stream: the file is read and checked
first (a bad row names its line before Schoology is read), then each side goes through
sorted chunks (:class:`.stream_diff.ExternalSorter`) and the two meet in a sorted walk
(:func:`.stream_diff.merge_groups`). Schoology names users by uid and a file by
``school_uid``; :class:`.uid_index.SchoolUidIndex` joins the two in a few bytes a user.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import project, required, split_ids, text, where
from schoology_etl.provisioning.sis.stream_diff import ExternalSorter, merge_groups
from schoology_etl.provisioning.sis.uid_index import SchoolUidIndex, uid_number

#: records of each side a users, enrollments or parents reconcile keeps in memory (the rest wait in sorted
#: temporary files)
CHUNK = 10_000


#: what the parents reconcile keeps of a Schoology user (its keys, its role and its links)
LINK_FIELDS = ("uid", "id", "school_uid", "role_id", "child_uids", "parent_uids")


def enrollment_rows(
    enrollments: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]] | Mapping[str, str]
) -> list[dict[str, Any]]:
    """Section enrollments (tagged with ``section_school_code``) as ``section_school_code, school_uid, role`` rows.

    ``users`` are users or a ``uid -> school_uid`` mapping (:class:`.uid_index.SchoolUidIndex`).
    Enrollments of users without a ``school_uid`` are left out.
    """
    return list(iter_enrollment_rows(enrollments, users))


def iter_enrollment_rows(
    enrollments: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]] | Mapping[str, str]
) -> Iterator[dict[str, Any]]:
    """:func:`enrollment_rows` one enrollment at a time."""
    school_uids = users if isinstance(users, Mapping) else SchoolUidIndex.build(users)
    for e in enrollments:
        school_uid = school_uids.get(text(e.get("uid")), "")
        if school_uid:
            yield {"section_school_code": text(e.get("section_school_code")), "school_uid": school_uid,
                   "role": "teacher" if text(e.get("admin")) == "1" else "student"}


def enrollment_file_diff(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    sections: Iterable[str] | None = None,
    school_uids: Iterable[str] | None = None,
    everything: bool = False,
    active_sections: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The diff an SIS enrollments file (``enroll``/``drop`` rows) would make to ``current`` rows.

    Args:
        rows: the file's rows (``section_school_code, school_uid, role[, action]``;
            a blank action means ``enroll``).
        current: :func:`enrollment_rows` of the client.
        sections, school_uids: known codes; a row naming another raises.
        everything: the file lists every enrollment the SIS holds: a current one of an
            ``active_sections`` section (all sections when ``None``) that no row names is a remove.

    Returns:
        Updates of ``role`` (in file order), then adds (in file order), then removes: the
        file's drops (in file order), then, for a file of everything, the current rows it
        does not name (in current order). A row already true changes nothing.

    Raises:
        RecordError: a row with an unknown section, user or action (names the line).
    """
    return list(iter_enrollment_file_diff(rows, current, sections=sections, school_uids=school_uids,
                                          everything=everything, active_sections=active_sections))


#: joins a section code and a school_uid into one sort key (a character neither holds)
_PAIR = "\x1f"


def iter_enrollment_file_diff(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    *,
    sections: Iterable[str] | None = None,
    school_uids: Iterable[str] | None = None,
    everything: bool = False,
    active_sections: Iterable[str] | None = None,
    chunk_size: int = CHUNK,
    tmpdir: str | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`enrollment_file_diff` in bounded memory: the same changes in the same order, yielded.

    The file is read and checked first (an error names its first bad line before anything
    else is read), then ``current``; each goes through a sorter of ``chunk_size`` records
    (:class:`.stream_diff.ExternalSorter`), the two meet in a sorted walk by section and
    user (case-insensitive), and a third sorter puts the changes back in order.
    """
    known_sections = {s.casefold() for s in sections} if sections is not None else None
    known_users = {u.casefold() for u in school_uids} if school_uids is not None else None
    active = {a.casefold() for a in active_sections} if active_sections is not None else None
    with ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as wanted, \
            ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as had, \
            ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as out:
        for i, row in enumerate(rows):
            code = required(row, "section_school_code", index=i, step="reconcile")
            uid = required(row, "school_uid", index=i, step="reconcile")
            action = text(row.get("action")).casefold() or "enroll"
            for column, value, known in (("section_school_code", code, known_sections),
                                         ("school_uid", uid, known_users)):
                if known is not None and value.casefold() not in known:
                    raise RecordError(f"{where(i)}: column {column!r}: unknown value {value!r}", step="reconcile",
                                      index=i, record=dict(row))
            if action not in ("enroll", "drop"):
                raise RecordError(f"{where(i)}: column 'action': {action!r} is not enroll or drop", step="reconcile",
                                  index=i, record=dict(row))
            role = text(row.get("role")).casefold() or "student"
            wanted.add(f"{code.casefold()}{_PAIR}{uid.casefold()}", [i, code, uid, action, role])
        for j, r in enumerate(current):
            pair = f"{r['section_school_code'].casefold()}{_PAIR}{r['school_uid'].casefold()}"
            had.add(pair, [j, dict(r)])
        for pair, named, existing_rows in merge_groups(wanted, had):
            existing = existing_rows[-1][1] if existing_rows else None
            for i, code, uid, action, role in named:
                key = f"{code}|{uid}"
                if action == "drop" and existing is not None:
                    out.add(f"2{i:012d}", {"op": "remove", "key": key, "before": dict(existing)})
                elif action == "enroll" and existing is None:
                    out.add(f"1{i:012d}", {"op": "add", "key": key,
                                            "after": {"section_school_code": code, "school_uid": uid, "role": role}})
                elif action == "enroll" and existing is not None and existing["role"] != role:
                    out.add(f"0{i:012d}", {"op": "update", "key": key,
                                           "changes": {"role": {"before": existing["role"], "after": role}},
                                           "before": dict(existing), "after": {**existing, "role": role}})
            if everything and not named and existing is not None \
                    and (active is None or pair.split(_PAIR, 1)[0] in active):
                key = f"{existing['section_school_code']}|{existing['school_uid']}"
                out.add(f"3{existing_rows[0][0]:012d}", {"op": "remove", "key": key, "before": existing})
        for _order, change in out:
            yield change


def parent_file_diff(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[tuple[str, str]],
    *,
    school_uids: Iterable[str] | None = None,
    everything: bool = False,
) -> list[dict[str, Any]]:
    """The diff an SIS parents file (``link``/``unlink`` rows) would make to ``current`` links.

    Args:
        rows: ``student_school_uid, parent_school_uid[, action]`` (a blank action means ``link``).
        current: ``(student_school_uid, parent_school_uid)`` pairs linked now.
        school_uids: the active users' ids; a row naming another raises.
        everything: the file lists every link: a current link it does not name is a remove.

    Raises:
        RecordError: an empty or unknown school_uid, or an unknown action (names the line and column).
    """
    return list(iter_parent_file_diff(rows, current, school_uids=school_uids, everything=everything))


_LINK_COLUMNS = ("student_school_uid", "parent_school_uid")


def iter_parent_file_diff(
    rows: Iterable[Mapping[str, Any]],
    current: Iterable[tuple[str, str]],
    *,
    school_uids: Iterable[str] | None = None,
    everything: bool = False,
    chunk_size: int = CHUNK,
    tmpdir: str | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`parent_file_diff` in bounded memory: the same changes in the same order, yielded.

    Adds (in file order), then the file's unlinks of existing links (in file order), then,
    for a file of everything, the links it does not name (by student, then parent). The
    file is read and checked before ``current``; both go through sorted chunks as in
    :func:`iter_enrollment_file_diff`.
    """
    known = {u.casefold() for u in school_uids} if school_uids is not None else None
    with ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as wanted, \
            ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as had, \
            ExternalSorter(chunk_size=chunk_size, tmpdir=tmpdir) as out:
        for i, row in enumerate(rows):
            pair = tuple(required(row, c, index=i, step="reconcile") for c in _LINK_COLUMNS)
            for column, value in zip(_LINK_COLUMNS, pair, strict=True):
                if known is not None and value.casefold() not in known:
                    raise RecordError(f"{where(i)}: column {column!r}: no active user with school_uid {value!r}",
                                      step="reconcile", index=i, record=dict(row))
            action = text(row.get("action")).casefold() or "link"
            if action not in ("link", "unlink"):
                raise RecordError(f"{where(i)}: column 'action': {action!r} is not link or unlink", step="reconcile",
                                  index=i, record=dict(row))
            wanted.add(f"{pair[0].casefold()}{_PAIR}{pair[1].casefold()}", [i, pair[0], pair[1], action])
        for student, parent in current:
            had.add(f"{student.casefold()}{_PAIR}{parent.casefold()}", [student, parent])
        for folded, named, existing in merge_groups(wanted, had):
            for i, student, parent, action in named:
                link = {"student_school_uid": student, "parent_school_uid": parent}
                if action == "link" and not existing:
                    out.add(f"0{i:012d}", {"op": "add", "key": f"{student}|{parent}", "after": link})
                elif action == "unlink" and existing:
                    out.add(f"1{i:012d}", {"op": "remove", "key": f"{student}|{parent}", "before": link})
            if everything and existing and not named:
                student, parent = existing[-1]
                out.add(f"2{folded}", {"op": "remove", "key": f"{student}|{parent}",
                                         "before": {"student_school_uid": student, "parent_school_uid": parent}})
        for _order, change in out:
            yield change


def current_parent_links(
    users: Iterable[Mapping[str, Any]], client: Any
) -> tuple[SchoolUidIndex, Iterator[tuple[str, str]]]:
    """The client's parent links as ``(student_school_uid, parent_school_uid)``, from one pass over ``users``.

    Like :func:`.user_changes.parent_links` (parents' ``child_uids``, and ``parent_uids``
    where a listing carries them; a listing row without ``child_uids`` is read again if it
    is a parent's), but a user costs an index entry and a link two integers
    (:class:`.uid_index.SchoolUidIndex`), not a record. Returns the index and the links
    (a link may come twice; the diff counts it once).
    """
    from schoology_etl.provisioning.families.parent_buildings import with_child_uids

    index = SchoolUidIndex()
    children, parents = array("q"), array("q")
    named: list[tuple[str, str]] = []  # links naming a uid that is not a number

    def link(child: Any, parent: Any) -> None:
        c, p = uid_number(child), uid_number(parent)
        if c is None or p is None:
            named.append((text(child), text(parent)))
        else:
            children.append(c)
            parents.append(p)

    def links_of(user: Mapping[str, Any]) -> None:
        uid = user.get("uid") or user.get("id")
        for parent in split_ids(user.get("parent_uids")):
            link(uid, parent)
        for child in split_ids(user.get("child_uids")):
            link(child, uid)

    lacking = []
    for user in project(users, LINK_FIELDS):
        index.add(user.get("uid") or user.get("id"), text(user.get("school_uid")))
        if "child_uids" in user:
            links_of(user)
        else:
            lacking.append(user)
    index.freeze()
    for user in with_child_uids(lacking, client):
        links_of(user)

    def pairs() -> Iterator[tuple[str, str]]:
        for child, parent in itertools.chain(zip(children, parents, strict=True), named):
            student, guardian = index.get(child), index.get(parent)
            if student and guardian:
                yield student, guardian

    return index, pairs()
