"""Which SIS file is which, and whether a file is usable at all (jobs ``fetch_sis_files``, ``validate_sis_files``).

A file's kind comes from its name: the longest :data:`~.sis.SPECS` name its stem starts
with (``users_invalid.csv`` is a ``users`` file). :func:`file_summary` reads a file once
and says what a manifest needs (rows, columns, size, SHA-256) and what makes it unusable
(missing required columns, no data rows); :func:`require_usable` raises on that.
:func:`check_sis_files` checks a set of files, each alone and across the files of a folder.

>>> kind_of("users_2026-09-01.csv"), kind_of("courses_sections_invalid.csv")
('users', 'courses_sections')
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from schoology_etl.demo_data import input_file
from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.sis.sis_cross_checks import cross_file_problems
from schoology_etl.provisioning.sis.sis_specs import SPECS, spec_for
from schoology_etl.provisioning.sis.sis_validation import validate_sis_file

#: The columns of a problem report (one row per problem; line 1 is the header).
PROBLEM_COLUMNS = ["file", "line", "column", "value", "problem"]


def guess_kind(name: str) -> str | None:
    """The SIS file kind of a file name (``None`` when no spec name prefixes its stem)."""
    stem = PurePosixPath(name).stem.casefold()
    matches = [k for k in SPECS if stem == k or stem.startswith(k + "_") or stem.startswith(k + "-")]
    return max(matches, key=len) if matches else None


def kind_of(name: str, kind: str | None = None) -> str:
    """``kind`` if given (checked), else the kind guessed from ``name``.

    Raises:
        ConfigurationError: unknown kind, or a name that says nothing; lists the kinds.
    """
    if kind and kind != "auto":
        return spec_for(kind).name
    guessed = guess_kind(name)
    if guessed is None:
        raise ConfigurationError(
            f"cannot tell which SIS file {name!r} is from its name; choose its kind: {', '.join(sorted(SPECS))}"
        )
    return guessed


def file_summary(path: str | Path, kind: str | None = None) -> dict[str, Any]:
    """``file, kind, rows, columns, missing_columns, bytes, sha256`` of one SIS CSV file.

    Raises:
        SourceFormatError: the file cannot be read as UTF-8 CSV (names file and line).
    """
    path = Path(path)
    spec = spec_for(kind_of(path.name, kind))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            rows = sum(1 for row in reader if any(cell.strip() for cell in row))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceFormatError(f"not a UTF-8 CSV file: {exc}", path=str(path)) from exc
    return {
        "file": path.name, "kind": spec.name, "rows": rows, "columns": len(header),
        "missing_columns": [c for c in spec.required if c not in header],
        "bytes": path.stat().st_size, "sha256": digest,
    }


def require_usable(summary: Mapping[str, Any], *, where: str | None = None) -> None:
    """Raise :class:`SourceFormatError` when a summarised file lacks required columns or data rows."""
    shown = where or summary["file"]
    if summary["missing_columns"]:
        missing = ", ".join(summary["missing_columns"])
        raise SourceFormatError(f"required column(s) missing for a {summary['kind']} file: {missing}",
                                path=shown, line=1)
    if not summary["rows"]:
        raise SourceFormatError(f"the {summary['kind']} file has no data rows", path=shown)


def sis_paths(folder: str | Path, *, recursive: bool = True) -> list[Path]:
    """The CSV files of an SIS folder whose names say their kind, sorted (subfolders after files)."""
    folder = Path(folder)
    found: Iterable[Path] = folder.rglob("*.csv") if recursive else folder.glob("*.csv")
    paths = [p for p in found if guess_kind(p.name)]
    return sorted(paths, key=lambda p: (len(p.relative_to(folder).parts), str(p.relative_to(folder))))


def input_sis_paths(sis_file: Any, *, client: Any, param: str = "sis_file") -> list[Path]:
    """The files to check: ``sis_file`` alone when given, else every SIS file of the demo district.

    Raises:
        ConfigurationError: no file at ``sis_file``, or none given with a real district's
            client (the demo files are for the sandbox only); names ``param``.
    """
    if sis_file:
        return [input_file(sis_file, "users.csv", client=client, param=param)]
    return sis_paths(input_file(None, "users.csv", client=client, param=param).parent)


def check_sis_file(
    path: str | Path, kind: str | None = None, **lookups: Lookup | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The summary of one file (with its ``problems`` count) and its row-level problems.

    Problems are :func:`~.sis_validation.validate_sis_file`'s, plus "empty file" (no
    header line) and "no data rows". ``lookups``: ``roles``, ``buildings``, ``grading_periods``.
    """
    path = Path(path)
    summary = file_summary(path, kind)
    if not summary["columns"]:
        problems = [{"file": path.name, "line": 1, "column": None, "value": None,
                     "problem": "empty file (no header line)"}]
    else:
        problems = validate_sis_file(path, spec_for(summary["kind"]), **lookups)
        if not summary["rows"]:
            problems.append({"file": path.name, "line": 2, "column": None, "value": None, "problem": "no data rows"})
    return {**summary, "problems": len(problems)}, problems


def check_fetched_file(path: str | Path, *, remote: str, kind: str | None = None) -> dict[str, Any]:
    """The manifest row of a file fetched from ``remote``: its summary, ``checked`` and ``remote``.

    A file whose kind is known (given or from its name) must be usable (see
    :func:`require_usable`, whose error names ``remote``); any other file is listed
    unchecked, with its size and SHA-256.
    """
    path = Path(path)
    guessed = kind or guess_kind(path.name)
    if guessed is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return {"file": path.name, "kind": "", "rows": None, "columns": None, "missing_columns": [],
                "bytes": path.stat().st_size, "sha256": digest, "checked": False, "remote": remote}
    summary = file_summary(path, guessed)
    require_usable(summary, where=remote)
    return {**summary, "checked": True, "remote": remote}


def check_sis_files(
    paths: Iterable[str | Path], kind: str | None = None, **lookups: Lookup | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every file's summary and the problems of all of them, each file alone then across files.

    Each file is checked by :func:`check_sis_file` (``kind`` for all, else each from its
    name), then the files of each folder together (:func:`.sis_cross_checks.cross_file_problems`).
    A summary's ``problems`` counts both kinds.

    Returns:
        ``(summaries, problems)``: one summary per path in order; problems of :data:`PROBLEM_COLUMNS`.
    """
    paths = [Path(p) for p in paths]
    files, problems = [], []
    for path in paths:
        summary, found = check_sis_file(path, kind, **lookups)
        files.append(summary)
        problems.extend(found)
    problems += cross_file_problems((p, f["kind"]) for p, f in zip(paths, files, strict=True))
    for f in files:
        f["problems"] = sum(1 for x in problems if x["file"] == f["file"])
    return files, problems
