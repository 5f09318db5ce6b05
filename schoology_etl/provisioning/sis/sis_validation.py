"""Validate an SIS CSV file against its spec and report every problem by row.

The report is a list of plain dicts, one per problem, in file order::

    {"file": "users.csv", "line": 7, "column": "primary_email", "value": "ann@", "problem": "malformed email"}

Line 1 is the header (missing required columns are reported there). Lookups for roles,
buildings and grading periods are optional: without one, that kind is not checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from schoology_etl.errors import SourceFormatError
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import line_of, text
from schoology_etl.provisioning.sis.sis_specs import SISFileSpec, split_list

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")
_FLAGS = {"", "0", "1", "true", "false", "yes", "no", "y", "n", "t", "f"}


def _problem(file: str | None, line: int, column: str, value: Any, problem: str) -> dict[str, Any]:
    return {"file": file, "line": line, "column": column, "value": value, "problem": problem}


def _check_cell(spec: SISFileSpec, column: str, value: str, lookups: Mapping[str, Lookup | None]) -> str | None:
    kind = spec.kind(column)
    if kind == "email" and not _EMAIL.match(value):
        return "malformed email"
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
        except ValueError:
            return "malformed date (expected YYYY-MM-DD)"
    if kind == "year" and not (value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100):
        return "malformed year (expected YYYY)"
    if kind == "choice":
        allowed = spec.choices.get(column, ())
        if value.casefold() not in {c.casefold() for c in allowed}:
            return f"{value!r} is not one of {', '.join(allowed)}"
    if kind == "flag" and value.casefold() not in _FLAGS:
        return "expected 0 or 1"
    lookup_kind = {"role": "role", "building": "building", "buildings": "building", "grading_periods": "grading_period"}
    lookup = lookups.get(lookup_kind.get(kind, ""))
    if lookup is not None:
        values = split_list(value) if kind in ("buildings", "grading_periods") else [value]
        problems = [p for p in (lookup.problem(v) for v in values) if p]
        if problems:
            return "; ".join(problems)
    return None


def validate_sis_rows(
    header: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    spec: SISFileSpec,
    *,
    roles: Lookup | None = None,
    buildings: Lookup | None = None,
    grading_periods: Lookup | None = None,
    file: str | None = None,
) -> list[dict[str, Any]]:
    """Every problem of an SIS file given as its header and its data rows.

    Checks: required columns present (line 1) and non-empty; at least one column of each
    ``one_of`` group filled (a user's e-mail or username); duplicate keys (each repeat
    is reported, naming the first line); emails, dates (``YYYY-MM-DD``), years, choices
    and flags well formed; role titles, building codes and grading period titles known.
    """
    lookups = {"role": roles, "building": buildings, "grading_period": grading_periods}
    present = {text(h) for h in header}
    report = [
        _problem(file, 1, column, None, "required column missing") for column in spec.required if column not in present
    ]
    report += [
        _problem(file, 1, " or ".join(group), None, f"one of the columns {', '.join(group)} is required")
        for group in spec.one_of if not present & set(group)
    ]
    first_seen: dict[tuple[str, ...], int] = {}
    for index, row in enumerate(rows):
        line = line_of(index)
        for column in spec.columns:
            if column not in present:
                continue
            value = text(row.get(column))
            if not value:
                if column in spec.required:
                    report.append(_problem(file, line, column, value, "empty required value"))
                continue
            problem = _check_cell(spec, column, value, lookups)
            if problem:
                report.append(_problem(file, line, column, value, problem))
        for group in spec.one_of:
            if present & set(group) and not any(text(row.get(c)) for c in group):
                report.append(_problem(file, line, " or ".join(group), "",
                                       f"neither {' nor '.join(group)}: a user needs one to sign in"))
        if spec.key and all(c in present for c in spec.key):
            key = tuple(text(row.get(c)).casefold() for c in spec.key)
            if all(key) and key in first_seen:
                report.append(
                    _problem(
                        file,
                        line,
                        "+".join(spec.key),
                        ",".join(text(row.get(c)) for c in spec.key),
                        f"duplicate key (first on line {first_seen[key]})",
                    )
                )
            first_seen.setdefault(key, line)
    return sorted(report, key=lambda p: p["line"])


def validate_sis_file(path: str | Path, spec: SISFileSpec, **lookups: Lookup | None) -> list[dict[str, Any]]:
    """:func:`validate_sis_rows` on a CSV file (UTF-8, optional BOM); ``file`` is its name."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise SourceFormatError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            return validate_sis_rows(reader.fieldnames or [], reader, spec, file=path.name, **lookups)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceFormatError(f"not a UTF-8 CSV file: {exc}", path=str(path), line=reader.line_num) from exc


def require_valid_rows(
    rows: Sequence[Mapping[str, Any]],
    spec: SISFileSpec,
    *,
    path: Any,
    show: Callable[[list[dict[str, Any]]], Any] | None = None,
    **lookups: Lookup | None,
) -> None:
    """Validate a file's rows (header from the first row) and raise for the first problem, if any.

    ``show`` gets every problem first (a notebook displays them as a table); ``lookups`` are
    :func:`validate_sis_rows`' ``roles``, ``buildings`` and ``grading_periods``.
    """
    header = list(rows[0]) if rows else []
    problems = validate_sis_rows(header, rows, spec, file=getattr(path, "name", str(path)), **lookups)
    if problems and show is not None:
        show(problems)
    raise_for_problems(problems, path=str(path))


def raise_for_problems(report: Sequence[Mapping[str, Any]], *, path: str | None = None) -> None:
    """Raise :class:`SourceFormatError` for the first problem (with the total count), if any."""
    if not report:
        return
    first = report[0]
    more = f" (and {len(report) - 1} more problem(s))" if len(report) > 1 else ""
    raise SourceFormatError(
        f"column {first['column']!r}, value {first['value']!r}: {first['problem']}{more}",
        path=path or first.get("file") or "<rows>",
        line=first["line"],
        step="validate_sis",
    )

