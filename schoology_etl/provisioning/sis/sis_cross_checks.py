"""Checks across the SIS files of one export: people the other files name must be in its users file.

A file checked alone passes when its enrollments or parent links name a student the
users file lacks; the import then fails row by row, or links the wrong account. Files
are grouped by folder (one export per folder); a folder without a users file is not
cross-checked. Problems have the validator's shape (``file, line, column, value, problem``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from schoology_etl.errors import SourceFormatError
from schoology_etl.provisioning.rows import line_of, text

#: File kind -> the columns holding a ``school_uid`` that the users file must have, and who it is.
PEOPLE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "enrollments": (("school_uid", ""),),
    "parents": (("student_school_uid", "student"), ("parent_school_uid", "parent")),
}


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceFormatError(f"cannot read the file: {exc}", path=str(path)) from exc


def cross_file_problems(files: Iterable[tuple[str | Path, str]]) -> list[dict[str, Any]]:
    """Rows of enrollments and parents files naming a ``school_uid`` their folder's users files lack.

    Args:
        files: ``(path, kind)`` pairs, as the validator classified them.

    Returns:
        One problem per cell, by folder, file and line.
    """
    folders: dict[Path, list[tuple[Path, str]]] = {}
    for path, kind in files:
        folders.setdefault(Path(path).parent, []).append((Path(path), kind))
    report = []
    for _, members in sorted(folders.items()):
        users_files = [p for p, kind in members if kind == "users"]
        if not users_files:
            continue
        known = {text(r.get("school_uid")).casefold() for p in users_files for r in _rows(p)} - {""}
        where = ", ".join(p.name for p in users_files)
        for path, kind in members:
            for index, row in enumerate(_rows(path) if kind in PEOPLE_COLUMNS else []):
                for column, who in PEOPLE_COLUMNS[kind]:
                    uid = text(row.get(column))
                    if uid and uid.casefold() not in known:
                        person = who or (text(row.get("role")).casefold() or "user")
                        report.append({"file": path.name, "line": line_of(index), "column": column, "value": uid,
                                       "problem": f"{person} {uid} is not in the users file ({where})"})
    return report
