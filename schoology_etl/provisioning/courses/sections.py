"""Sections without a teacher (job ``sections_without_teachers``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.provisioning.rows import text, truthy

#: Enrollment status codes that count as enrolled (1 active).
ACTIVE_STATUSES = frozenset({"1"})


def is_teacher(enrollment: Mapping[str, Any]) -> bool:
    """An active admin (teacher) enrollment; a missing status counts as active."""
    status = text(enrollment.get("status")) or "1"
    return truthy(enrollment.get("admin")) and status in ACTIVE_STATUSES


def sections_without_teachers(
    sections: Iterable[Mapping[str, Any]], enrollments: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Sections (copies, input order) with no active teacher enrollment.

    Args:
        sections: section records (``id``).
        enrollments: enrollment records each carrying ``section_id``, ``admin``, ``status``.
    """
    taught = {text(e.get("section_id")) for e in enrollments if is_teacher(e)}
    return [dict(s) for s in sections if text(s.get("id")) not in taught]
