"""Advisor-advisee links from a file -> plan changes (job ``import_advisor_associations``).

The API documents one way to write advisor links, ``POST /users/import/associations/advisors``
(``student_school_uid``, ``advisor_school_uid``, ``delete: "1"`` to remove), and none to
read them: ``advisor_uids`` is write-only and no listing carries a user's advisors. So:

* every row of the file becomes a change (a link that already exists cannot be told apart
  and is sent again, which changes nothing);
* undo reverses every applied row: the undo of a ``link`` row for a pair that was already
  linked removes that link;
* the guard is a count, ``max_unlinks``: with the links unreadable, no share of them can be
  computed.

>>> rows = [{"student_school_uid": "S1", "advisor_school_uid": "T1", "action": ""},
...         {"student_school_uid": "S2", "advisor_school_uid": "T1", "action": "unlink"}]
>>> users = [{"school_uid": u} for u in ("S1", "S2", "T1")]
>>> [(c.op, c.key["student_school_uid"]) for c in advisor_changes(rows, users, max_unlinks=1)]
[('link', 'S1'), ('unlink', 'S2')]
>>> advisor_changes(rows, users, max_unlinks=0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
schoology_etl.errors.ConfigurationError: 1 advisor links would be removed, above max_unlinks (0): ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.plans.model import LINK, UNLINK, Change
from schoology_etl.provisioning.families.associations import association_items
from schoology_etl.provisioning.rows import required, text, where

REALM = "advisor_associations"
COLUMNS = ("student_school_uid", "advisor_school_uid")


def check_rows(rows: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]]) -> None:
    """Raise :class:`RecordError` naming the line and column of a school_uid no active user holds,
    or of a pair the file lists twice."""
    known = {text(u.get("school_uid")) for u in users} - {""}
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        pair = tuple(required(row, c, index=i, step="advisors") for c in COLUMNS)
        for column, value in zip(COLUMNS, pair, strict=True):
            if value not in known:
                raise RecordError(f"{where(i)}: column {column!r}: no active user with school_uid {value!r}",
                                  step="advisors", index=i, record=dict(row))
        if pair[0] == pair[1]:
            raise RecordError(f"{where(i)}: a student cannot be their own advisor ({pair[0]!r})",
                              step="advisors", index=i, record=dict(row))
        key = (pair[0], pair[1])
        if key in seen:
            raise RecordError(f"{where(i)}: the pair {pair[0]!r}, {pair[1]!r} is already on {where(seen[key])}",
                              step="advisors", index=i, record=dict(row))
        seen[key] = i


def advisor_changes(rows: Iterable[Mapping[str, Any]], users: Iterable[Mapping[str, Any]], *,
                    max_unlinks: int) -> list[Change]:
    """One link or unlink per row (``action`` ``link``, the default, or ``unlink``), checked first.

    Raises:
        RecordError: a row names an unknown user, an unknown action, or repeats a pair.
        ConfigurationError: more unlinks than ``max_unlinks`` (or a negative ``max_unlinks``).
    """
    if int(max_unlinks) < 0:
        raise ConfigurationError(f"parameter 'max_unlinks' must be 0 or more, not {max_unlinks!r}")
    rows = list(rows)
    check_rows(rows, users)
    changes = []
    for n, item in enumerate(association_items(rows, other="advisor"), 1):
        key = {"student_school_uid": item["student_school_uid"], "advisor_school_uid": item["advisor_school_uid"]}
        unlink = text(item.get("delete")) == "1"
        op = UNLINK if unlink else LINK
        changes.append(Change(n, op, REALM, key, None, {"linked": unlink}, {"linked": not unlink}))
    removing = sum(c.op == UNLINK for c in changes)
    if removing > int(max_unlinks):
        raise ConfigurationError(f"{removing} advisor links would be removed, above max_unlinks ({int(max_unlinks)}): "
                                 "is the file right? Raise max_unlinks to go ahead")
    return changes
