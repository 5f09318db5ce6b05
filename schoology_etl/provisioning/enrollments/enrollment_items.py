"""Enrollment items from SIS rows, drops for inactive users, export rows.

Jobs ``import_enrollments`` (``POST /enrollments/import/course`` items keyed by
``section_school_code`` and ``school_uid``), ``drop_enrollments_of_inactive`` and
``export_enrollments``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import required, text, truthy, where

ROLES = {"teacher": "1", "student": "0"}
ACTIONS = ("enroll", "drop")


def enrollment_import_item(row: Mapping[str, Any], *, index: int | None = None) -> dict[str, Any]:
    """One ``section_school_code, school_uid, role[, action]`` row as an import item.

    ``role`` is ``teacher`` or ``student``; ``action`` is ``enroll`` (default) or ``drop``
    (the item gets ``delete: "1"``).
    """
    step = "enrollment_import"
    item = {
        "section_school_code": required(row, "section_school_code", index=index, step=step),
        "school_uid": required(row, "school_uid", index=index, step=step),
    }
    role = required(row, "role", index=index, step=step).casefold()
    action = (text(row.get("action")) or "enroll").casefold()
    for column, value, allowed in (("role", role, tuple(ROLES)), ("action", action, ACTIONS)):
        if value not in allowed:
            raise RecordError(
                f"{where(index)}: column {column!r}: {value!r} is not one of {', '.join(allowed)}",
                step=step,
                index=index,
                record=dict(row),
            )
    item["admin"] = ROLES[role]
    if action == "drop":
        item["delete"] = "1"
    return item


def enrollment_import_items(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every row as an import item; raise on the first bad row."""
    return [enrollment_import_item(row, index=i) for i, row in enumerate(rows)]


def inactive_user_drops(
    enrollments: Iterable[Mapping[str, Any]], inactive_users: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Enrollments (``id, section_id, uid, school_uid``) held by inactive users, to delete."""
    inactive = {text(u.get("uid") or u.get("id")) for u in inactive_users}
    return [
        {"id": text(e.get("id")), "section_id": e.get("section_id"), "uid": text(e.get("uid")),
         "school_uid": e.get("school_uid")}
        for e in enrollments
        if text(e.get("uid")) in inactive
    ]


def enrollment_export_rows(
    enrollments: Iterable[Mapping[str, Any]], sections: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Rows ``section_school_code, school_uid, role, status`` (the import format plus status)."""
    codes = {text(s.get("id")): s.get("section_school_code") for s in sections}
    return [
        {
            "section_school_code": codes.get(text(e.get("section_id"))),
            "school_uid": e.get("school_uid"),
            "role": "teacher" if truthy(e.get("admin")) else "student",
            "status": text(e.get("status")) or "1",
        }
        for e in enrollments
    ]
