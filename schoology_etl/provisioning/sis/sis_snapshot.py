"""A full SIS snapshot: one folder of files, their ages, and the keys each file holds (job ``sis_sync_health``).

A snapshot folder holds one file of each domain, named as the other SIS jobs name them
(the kind comes from the file name, see :func:`.sis_checks.guess_kind`) and in the same
layouts (:data:`.sis.SPECS`):

=================== ============================================ ===========================================
domain              key                                          rows that do not count
=================== ============================================ ===========================================
users               ``school_uid``
courses_sections    ``section_school_code``
enrollments         ``section_school_code|school_uid`` (a row     ``action`` ``drop``
                    may name its section by ``course_code`` +
                    ``section_code`` instead)
parents             ``student_school_uid|parent_school_uid``     ``action`` ``unlink``
=================== ============================================ ===========================================

Keys are compared without regard to case. Each file is read as a stream of
``(key, payload)`` pairs (:func:`sis_pairs`); nothing keeps a file's rows.

>>> rows = [{"section_school_code": "A-01", "school_uid": "S1", "role": "Teacher"},
...         {"section_school_code": "A-01", "school_uid": "S2", "action": "drop"}]
>>> [(k, p["role"]) for k, p in enrollment_pairs(rows)]
[('a-01|s1', 'teacher')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from schoology_etl.demo_data import input_file
from schoology_etl.errors import ConfigurationError, RecordError, SourceFormatError
from schoology_etl.io.csv import read_csv
from schoology_etl.provisioning.rows import line_of, required, text, where
from schoology_etl.provisioning.sis.sis_checks import guess_kind
from schoology_etl.provisioning.sis.sis_freshness import file_age
from schoology_etl.provisioning.sis.sis_specs import spec_for

#: the domains of a snapshot, in the order they are compared
DOMAINS = ("users", "courses_sections", "enrollments", "parents")
#: the payload fields each domain keeps of a row (what the detail reports show)
FIELDS: dict[str, tuple[str, ...]] = {
    "users": ("school_uid", "name_first", "name_last", "role", "building_code"),
    "courses_sections": ("section_school_code", "course_code", "section_title", "building_code"),
    "enrollments": ("section_school_code", "school_uid", "role"),
    "parents": ("student_school_uid", "parent_school_uid"),
}
STEP = "sis_sync_health"
DEMO_FOLDER = "snapshot"

Pair = tuple[str, dict[str, Any]]


def fold(*parts: Any) -> str:
    """The comparison key of one or more values: stripped, case-folded, joined with ``|``."""
    return "|".join(text(p).casefold() for p in parts)


def snapshot_folder(value: Any, *, client: Any, param: str = "sis_folder") -> Path:
    """The folder a job reads: ``value`` when given; the demo district's snapshot only for the sandbox.

    Raises:
        ConfigurationError: ``value`` is not a folder, or is empty with a real client (names ``param``).
    """
    if value not in (None, ""):
        folder = Path(str(value)).expanduser()
        if not folder.is_dir():
            raise ConfigurationError(f"parameter {param!r}: no folder at {folder}")
        return folder
    return input_file(None, f"{DEMO_FOLDER}/users.csv", client=client, param=param).parent


def snapshot_files(folder: str | Path) -> dict[str, Path]:
    """``domain -> file`` for the CSV files directly in ``folder`` (kind from each name).

    Files of other kinds (group members, remaps...) are ignored.

    Raises:
        ConfigurationError: a domain has no file, or more than one (names the folder and the files).
    """
    folder = Path(folder)
    found: dict[str, list[Path]] = {d: [] for d in DOMAINS}
    for path in sorted(folder.glob("*.csv")):
        kind = guess_kind(path.name)
        if kind in found:
            found[kind].append(path)
    missing = [d for d, paths in found.items() if not paths]
    if missing:
        raise ConfigurationError(
            f"the SIS snapshot in {folder} has no {', '.join(f'{m}*.csv' for m in missing)} file: a full snapshot "
            f"needs one file of each of {', '.join(DOMAINS)}")
    repeated = {d: paths for d, paths in found.items() if len(paths) > 1}
    if repeated:
        said = "; ".join(f"{d}: {', '.join(p.name for p in paths)}" for d, paths in repeated.items())
        raise ConfigurationError(f"the SIS snapshot in {folder} has more than one file of a kind ({said}): keep one")
    return {d: paths[0] for d, paths in found.items()}


def file_freshness(
    files: Mapping[str, Path], *, now: dt.datetime, max_age_hours: float, param: str = "max_age_hours"
) -> list[dict[str, Any]]:
    """One row per file: ``domain, file, modified, age_hours, stale`` (older than ``max_age_hours``; 0: never).

    Raises:
        ConfigurationError: ``max_age_hours`` is negative (names ``param``).
    """
    if max_age_hours < 0:
        raise ConfigurationError(f"{param}: must be 0 (no check) or a number of hours, not {max_age_hours}")
    rows = []
    for domain, path in files.items():
        age = file_age({"mtime": path.stat().st_mtime}, now=now)
        rows.append({"domain": domain, "file": path.name, **age,
                     "stale": bool(max_age_hours) and age["age_hours"] > max_age_hours})
    return rows


def _error(index: int, message: str, row: Mapping[str, Any]) -> RecordError:
    return RecordError(f"{where(index)}: {message}", step=STEP, index=index, record=dict(row))


def _action(row: Mapping[str, Any], index: int, keep: str, skip: str) -> bool:
    """Whether a row counts: its ``action`` is blank or ``keep``; ``skip`` rows do not count."""
    action = text(row.get("action")).casefold() or keep
    if action not in (keep, skip):
        raise _error(index, f"column 'action': {action!r} is not {keep} or {skip}", row)
    return action == keep


def user_pairs(rows: Iterable[Mapping[str, Any]]) -> Iterator[Pair]:
    for i, row in enumerate(rows):
        uid = required(row, "school_uid", index=i, step=STEP)
        yield fold(uid), {f: text(row.get(f)) for f in FIELDS["users"]}


def section_pairs(rows: Iterable[Mapping[str, Any]]) -> Iterator[Pair]:
    for i, row in enumerate(rows):
        code = required(row, "section_school_code", index=i, step=STEP)
        yield fold(code), {f: text(row.get(f)) for f in FIELDS["courses_sections"]}


def enrollment_pairs(
    rows: Iterable[Mapping[str, Any]], *, section_codes: Mapping[tuple[str, str], str] | None = None
) -> Iterator[Pair]:
    """``section|school_uid`` pairs of ``enroll`` (or blank action) rows; ``role`` lower-cased (``student`` when blank).

    ``section_codes``: ``(course_code, section_code)`` (case-folded) -> section school code,
    for rows that name their section that way; a pair it lacks is shown as ``course_code section_code``.
    """
    for i, row in enumerate(rows):
        uid = required(row, "school_uid", index=i, step=STEP)
        if not _action(row, i, "enroll", "drop"):
            continue
        section = text(row.get("section_school_code"))
        if not section:
            course = text(row.get("course_code"))
            code = text(row.get("section_code"))
            if not (course and code):
                raise _error(i, "no section: fill section_school_code, or course_code and section_code", row)
            section = (section_codes or {}).get((course.casefold(), code.casefold())) or f"{course} {code}"
        role = text(row.get("role")).casefold() or "student"
        if role not in ("student", "teacher"):
            raise _error(i, f"column 'role': {role!r} is not student or teacher", row)
        yield fold(section, uid), {"section_school_code": section, "school_uid": uid, "role": role}


def parent_pairs(rows: Iterable[Mapping[str, Any]]) -> Iterator[Pair]:
    for i, row in enumerate(rows):
        student = required(row, "student_school_uid", index=i, step=STEP)
        parent = required(row, "parent_school_uid", index=i, step=STEP)
        if _action(row, i, "link", "unlink"):
            yield fold(student, parent), {"student_school_uid": student, "parent_school_uid": parent}


def sis_pairs(
    domain: str, path: str | Path, *, section_codes: Mapping[tuple[str, str], str] | None = None
) -> Iterator[Pair]:
    """The ``(key, payload)`` pairs of one snapshot file, read as a stream.

    Raises:
        SourceFormatError: a missing required column, an empty key cell or a bad ``action``
            or ``role`` (names the file and the line).
    """
    spec = spec_for(domain)
    rows = read_csv(path, required_columns=list(spec.required))
    if domain == "users":
        pairs = user_pairs(rows)
    elif domain == "courses_sections":
        pairs = section_pairs(rows)
    elif domain == "enrollments":
        pairs = enrollment_pairs(rows, section_codes=section_codes)
    elif domain == "parents":
        pairs = parent_pairs(rows)
    else:
        raise ConfigurationError(f"unknown snapshot domain {domain!r}; one of {', '.join(DOMAINS)}")
    try:
        yield from pairs
    except SourceFormatError:
        raise
    except RecordError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        line = line_of(exc.index) if exc.index is not None else None
        message = message.removeprefix(f"line {line}: ")
        raise SourceFormatError(message, path=str(path), line=line, step=STEP, index=exc.index,
                                record=exc.record) from exc
