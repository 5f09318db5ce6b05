"""Read an enrollments file and what its rows name from a client (job ``import_enrollments``).

:func:`read_enrollment_rows` reads the file (any layout, through a column map) and refuses
one without rows; :func:`read_enrollment_targets` reads only the sections and users the
rows name (by ``section_school_codes`` and ``school_uids``) and those sections' current
enrollments, which :func:`.enrollment_changes.import_enrollment_changes` compares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from schoology_etl.errors import SourceFormatError
from schoology_etl.provisioning.courses.section_reads import read_section_enrollments
from schoology_etl.provisioning.rows import text
from schoology_etl.provisioning.sis.layouts import InputRows, read_input

#: The columns of the rows :func:`.enrollment_changes.import_enrollment_changes` leaves out (already so).
NO_OP_COLUMNS = ["line", "section_school_code", "school_uid", "reason"]


def read_enrollment_rows(path: Any, *, column_map: Any = None) -> InputRows:
    """The rows of an enrollments file in our layout (see :func:`.layouts.read_input`).

    Raises:
        SourceFormatError: a required column is missing, or the file has a header but no rows; names ``path``.
    """
    rows = read_input(path, "enrollments", column_map=column_map)
    if not rows:
        raise SourceFormatError("the file has a header but no enrollment rows", path=str(path))
    return rows


@dataclass
class EnrollmentTargets:
    """What the rows of an enrollments file name, as read from the client.

    Attributes:
        codes, school_uids: the distinct section school codes and school_uids the rows name, sorted.
        sections: the sections found by those codes (past ones included).
        users: the active users found by those school_uids.
        current: the found sections' enrollments (:func:`.section_reads.read_section_enrollments`).
    """

    codes: list[str]
    school_uids: list[str]
    sections: list[dict[str, Any]]
    users: list[dict[str, Any]]
    current: list[dict[str, Any]]


def read_enrollment_targets(client: Any, rows: Iterable[Mapping[str, Any]]) -> EnrollmentTargets:
    """The sections and users ``rows`` name, and those sections' enrollments, in few requests.

    Rows must carry their ``section_school_code`` (see :func:`.enrollment_sections.resolve_section_codes`).
    A code or school_uid the client does not have is simply not found; the plan names its line.
    """
    rows = list(rows)
    codes = sorted({text(r.get("section_school_code")) for r in rows} - {""})
    school_uids = sorted({text(r.get("school_uid")) for r in rows} - {""})
    sections = [] if not codes else list(
        client.iter_records("sections", section_school_codes=",".join(codes), include_past=1))
    users = list(client.iter_records("users", school_uids=",".join(school_uids))) if school_uids else []
    current = read_section_enrollments(client, sections)
    return EnrollmentTargets(codes=codes, school_uids=school_uids, sections=sections, users=users, current=current)
