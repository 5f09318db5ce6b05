"""Association rows -> ``POST /users/import/associations/parents`` (or ``/advisors``) items.

Jobs ``import_parent_associations`` and ``import_advisor_associations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import required, text, where

ACTIONS = ("link", "unlink")


def association_items(
    rows: Iterable[Mapping[str, Any]], *, current_links: Iterable[tuple[str, str]] | None = None,
    other: str = "parent",
) -> list[dict[str, Any]]:
    """Items ``{student_school_uid, parent_school_uid[, delete: "1"]}`` for rows of that pair plus ``action``.

    Args:
        rows: ``student_school_uid, parent_school_uid[, action]`` (``link`` by default).
        current_links: ``(student_school_uid, parent_school_uid)`` pairs that exist now;
            when given, rows that would change nothing are left out.
        other: ``parent`` or ``advisor``: the second column is ``<other>_school_uid``.
    """
    column = f"{other}_school_uid"
    existing = {(text(s), text(p)) for s, p in current_links} if current_links is not None else None
    items = []
    for i, row in enumerate(rows):
        pair = (
            required(row, "student_school_uid", index=i, step="associations"),
            required(row, column, index=i, step="associations"),
        )
        action = (text(row.get("action")) or "link").casefold()
        if action not in ACTIONS:
            raise RecordError(
                f"{where(i)}: column 'action': {action!r} is not one of link, unlink",
                step="associations",
                index=i,
                record=dict(row),
            )
        if existing is not None and (pair in existing) == (action == "link"):
            continue
        item = {"student_school_uid": pair[0], column: pair[1]}
        items.append(item | {"delete": "1"} if action == "unlink" else item)
    return items
