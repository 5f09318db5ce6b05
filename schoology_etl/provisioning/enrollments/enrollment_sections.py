"""Which section a row of an enrollments file names: its section school code, or its course code + section code.

Schoology's enrollment import layout names a section either by ``Section School Code`` or
by ``Course Code`` + ``Section Code``. The enrollment import (``enrollments/import/course``)
is keyed by section school code, so a row naming its section by course code + section code
gets the section school code of that section, read from the API: ``GET /courses`` (no
documented filter by course code: the list, page by page) and, for the courses the file
names only, ``/courses/{id}/sections?include_past=1`` through ``POST /multiget`` (50 per
request; :func:`.section_reads.multiget_lists`).

:func:`fill_section_school_codes` does the matching (no network); :func:`resolve_section_codes`
reads what it needs and calls it. An unknown course code or section code, a section that
has no section school code, or a row naming its section neither way stops with a
:class:`RecordError` naming the line (and the nearest known codes).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.courses.section_reads import PAGE, multiget_lists
from schoology_etl.provisioning.rows import text, where

log = logging.getLogger(__name__)

STEP = "import_enrollments"


def _error(index: int, message: str, row: Mapping[str, Any]) -> RecordError:
    return RecordError(f"{where(index)}: {message}", step=STEP, index=index, record=dict(row))


def _near(value: str, known: Iterable[str]) -> str:
    near = difflib.get_close_matches(value, sorted(set(known)), n=3, cutoff=0.7)
    return f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def course_codes(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The course codes of the rows that name their section by course code + section code."""
    return sorted({text(r.get("course_code")) for r in rows if not text(r.get("section_school_code"))} - {""})


def fill_section_school_codes(
    rows: Iterable[Mapping[str, Any]],
    *,
    sections: Iterable[Mapping[str, Any]],
    courses_read: Iterable[Any] | None = None,
) -> list[dict[str, Any]]:
    """The rows, each with its section's ``section_school_code`` (rows that have one are kept as they are).

    Args:
        rows: enrollments rows in our layout (``section_school_code`` or ``course_code`` + ``section_code``).
        sections: the sections of the courses the rows name, each with ``course_code``,
            ``section_code`` and ``section_school_code``.
        courses_read: the course codes of all courses read (for "unknown course code"
            and its near matches); by default the sections' course codes.

    Raises:
        RecordError: naming the line of the first row that names no section, an unknown
            course code, an unknown section code of a known course, a section code two
            sections of that course code share, or a section without a section school code.
    """
    by_pair: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for s in sections:
        by_pair.setdefault((text(s.get("course_code")), text(s.get("section_code"))), []).append(s)
    known_courses = {text(c) for c in courses_read} if courses_read is not None else {c for c, _ in by_pair}
    out = []
    for i, row in enumerate(rows):
        if text(row.get("section_school_code")):
            out.append(dict(row))
            continue
        course, section = text(row.get("course_code")), text(row.get("section_code"))
        if not course or not section:
            missing = [c for c, v in (("course_code", course), ("section_code", section)) if not v]
            raise _error(i, "no section named: column 'section_school_code' is empty and so is "
                         f"{' and '.join(repr(c) for c in missing)} (a section is named by its section school "
                         "code, or by course code + section code)", row)
        if course not in known_courses:
            raise _error(i, f"column 'course_code': unknown course code {course!r}{_near(course, known_courses)}", row)
        found = by_pair.get((course, section), [])
        if not found:
            codes = sorted(s for c, s in by_pair if c == course)
            listed = f"{', '.join(map(repr, codes[:10]))}{' ...' if len(codes) > 10 else ''}"
            hint = _near(section, codes) or (f"; its section codes are {listed}" if codes else "; it has no sections")
            raise _error(i, f"column 'section_code': course {course!r} has no section with section code "
                         f"{section!r}{hint}", row)
        if len(found) > 1:
            raise _error(i, f"course code {course!r} + section code {section!r} name {len(found)} sections "
                         "(courses of several schools share the course code); "
                         "name the section by its section school code", row)
        school_code = text(found[0].get("section_school_code"))
        if not school_code:
            raise _error(i, f"section {section!r} of course {course!r} (id {text(found[0].get('id'))}) has no "
                         "section school code, which the enrollment import needs; give it one first", row)
        out.append({**row, "section_school_code": school_code})
    return out


def read_course_sections(client: Any, codes: Iterable[str]) -> tuple[list[dict[str, Any]], set[str]]:
    """``(sections, all course codes)``: the sections (past ones too) of the courses whose code is in ``codes``.

    One paged ``GET /courses`` and one ``POST /multiget`` per 50 of the courses named.
    """
    wanted = {text(c) for c in codes} - {""}
    if not wanted:
        return [], set()
    courses = list(client.iter_records("courses"))
    named = [c for c in courses if text(c.get("course_code")) in wanted]
    paths = [f"/courses/{c['id']}/sections?include_past=1&limit={PAGE}" for c in named]
    by_path = dict(zip(paths, named, strict=True))
    sections: list[dict[str, Any]] = []
    for path, found in multiget_lists(client, paths, "section"):
        course = by_path[path]
        sections.extend({**s, "course_code": text(s.get("course_code")) or text(course.get("course_code"))}
                        for s in found)
    log.info("read %d sections of %d courses named by course code", len(sections), len(named))
    return sections, {text(c.get("course_code")) for c in courses}


def resolve_section_codes(client: Any, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each with a ``section_school_code``; rows naming their section by course code +
    section code get it from the API (see :func:`read_course_sections`); no request when none does."""
    rows = list(rows)
    codes = course_codes(rows)
    sections, all_codes = read_course_sections(client, codes) if codes else ([], set())
    return fill_section_school_codes(rows, sections=sections, courses_read=all_codes)
