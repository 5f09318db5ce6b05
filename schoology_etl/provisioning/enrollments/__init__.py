"""Enrollments: SIS rows to section enrollments, drops, exports and reports.

Modules:

- ``enrollment_changes``: Plan changes for the enrollment jobs: rows and enrollment records in,
  :class:`Change` objects out.
- ``enrollment_imports``: Read an enrollments file and what its rows name from a client (job
  ``import_enrollments``).
- ``enrollment_items``: Enrollment items from SIS rows, drops for inactive users, export rows.
- ``enrollment_reports``: Rows for the read-only enrollment and section reports (``export_enrollments``,
  ``sections_without_teachers``).
- ``enrollment_sections``: Which section a row of an enrollments file names: its section school code, or its
  course code + section code.

The names of ``enrollment_items`` are re-exported here, so ``enrollments.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.enrollments.enrollment_items import (
    ACTIONS,
    ROLES,
    enrollment_export_rows,
    enrollment_import_item,
    enrollment_import_items,
    inactive_user_drops,
)

__all__ = [
    "ACTIONS",
    "ROLES",
    "enrollment_changes",
    "enrollment_export_rows",
    "enrollment_import_item",
    "enrollment_import_items",
    "enrollment_imports",
    "enrollment_items",
    "enrollment_reports",
    "enrollment_sections",
    "inactive_user_drops",
]
