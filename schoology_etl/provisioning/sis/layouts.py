"""District files as they come: column maps from any layout to the jobs' own columns.

A job reads its file in *our* layout (:mod:`.sis`: ``school_uid, name_first, role…``).
A district sends Schoology's import layout (``User Unique ID, First Name, Role, School…``)
or its SIS's export. A :class:`ColumnMap` says which of the file's columns is which of
ours, and, per column, how the file's values map to ours (``"Teacher (NG)"`` ->
``"Teacher (Northgate)"``, ``"Maplewood High"`` -> ``"MHS"``, enrollment type ``1`` ->
``teacher``), as Schoology's own importer does with its "CSV Value" column.

:func:`suggest_map` proposes a map from the header (our names, Schoology's names and
common synonyms; case, spaces and punctuation ignored); :func:`check_map` previews the
first rows and lists what does not map; :func:`read_input` reads the file (CSV in any
encoding, or XLSX) through the map and returns rows in our layout.

>>> found = suggest_map(["User Unique ID", "First Name", "Last Name", "Role", "School"], "users")
>>> for theirs, ours in found.columns.items():
...     print(f"{theirs} -> {ours}")
User Unique ID -> school_uid
First Name -> name_first
Last Name -> name_last
Role -> role
School -> building_code
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning.lookups import Lookup
from schoology_etl.provisioning.rows import json_parameter, text
from schoology_etl.provisioning.sis import sis_specs as sis

log = logging.getLogger(__name__)

#: Schoology's import layouts (the headers of its CSV/XLS import files), per file kind.
SCHOOLOGY_LAYOUTS: dict[str, dict[str, str]] = {
    "users": {
        "User Unique ID": "school_uid", "First Name": "name_first", "Last Name": "name_last",
        "Middle Name": "name_middle", "E-mail": "primary_email", "Username": "username", "Role": "role",
        "School": "building_code", "Grad Year": "grad_year", "Additional Schools": "additional_building_codes",
        "Birthday": "birthday_date",
    },
    "enrollments": {
        "Section School Code": "section_school_code", "Course Code": "course_code", "Section Code": "section_code",
        "User Unique ID": "school_uid", "Enrollment Type": "role",
    },
    "parents": {"Parent User Unique ID": "parent_school_uid", "Student User Unique ID": "student_school_uid"},
    "group_members": {"Group Code": "group_code", "User Unique ID": "school_uid", "Enrollment Type": "admin"},
    "role_changes": {"User Unique ID": "school_uid", "Role": "role"},
}

#: Other names districts' SIS exports use for our columns (compared folded).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "school_uid": ("unique id", "user id", "student id", "staff id", "person id", "local id", "sis id",
                   "student number", "employee id"),
    "name_first": ("first", "given name", "firstname", "legal first name", "first name legal"),
    "name_last": ("last", "surname", "family name", "lastname", "legal last name"),
    "name_middle": ("middle", "middle initial"),
    "primary_email": ("email", "email address", "e mail address", "mail"),
    "username": ("login", "login id", "user name"),
    "role": ("user role", "user type", "type", "position type", "role name", "enrollment role",
             "enrollment type", "member type"),
    "building_code": ("building", "school code", "building code", "school id", "site", "site code",
                      "campus", "school name"),
    "additional_building_codes": ("additional buildings", "other schools", "additional school codes"),
    "grad_year": ("graduation year", "class of", "year of graduation"),
    "birthday_date": ("birthday", "birth date", "date of birth", "dob", "birthdate"),
    "section_school_code": ("section id", "class code", "class id", "course section code"),
    "student_school_uid": ("student unique id", "student user id", "student id", "child id"),
    "parent_school_uid": ("parent unique id", "parent user id", "parent id", "guardian id", "contact id"),
    "advisor_school_uid": ("advisor unique id", "advisor user id", "advisor id", "advisor", "counselor id",
                           "mentor id"),
    "action": ("operation", "change"),
    "group_code": ("group id", "group"),
    "admin": ("group admin", "is admin"),
    "old_school_uid": ("old unique id", "old id", "previous id"),
    "new_school_uid": ("new unique id", "new id"),
}

#: Value maps every file gets unless its own map says otherwise (Schoology's codes).
DEFAULT_VALUES: dict[str, dict[str, dict[str, str]]] = {
    "enrollments": {"role": {"1": "teacher", "2": "student", "admin": "teacher", "member": "student"}},
    "group_members": {"admin": {"1": "1", "2": "0", "admin": "1", "member": "0"}},
}

#: Columns whose values go through a lookup: (lookup name, our column kind).
_LOOKUP_COLUMNS = {"role": "roles", "building_code": "buildings", "additional_building_codes": "buildings"}


def fold(name: Any) -> str:
    """A header or value compared loosely: case, spaces, ``_``, ``-`` and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", "", text(name).casefold())


@dataclass
class ColumnMap:
    """How one district file maps to a job's layout.

    Attributes:
        kind: the file kind (``"users"``, ``"enrollments"``... see :data:`.sis.SPECS`).
        columns: the file's header -> our column.
        values: our column -> {the file's value -> our value}.
    """

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = sis.spec_for(self.kind)
        unknown = sorted(set(self.columns.values()) - set(spec.columns))
        if unknown:
            raise ConfigurationError(f"column map for {self.kind!r} files: unknown target column(s) "
                                     f"{', '.join(map(repr, unknown))}; the columns are {', '.join(spec.columns)}")
        targets = list(self.columns.values())
        twice = sorted({t for t in targets if targets.count(t) > 1})
        if twice:
            raise ConfigurationError(f"column map for {self.kind!r} files: several columns map to "
                                     f"{', '.join(map(repr, twice))}")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": dict(self.columns),
                "values": {k: dict(v) for k, v in self.values.items() if v}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, kind: str | None = None) -> ColumnMap:
        if not isinstance(data, Mapping):
            raise ConfigurationError("a column map is a JSON object with 'columns' and 'values'")
        found = data.get("kind") or kind
        if kind and found != kind:
            raise ConfigurationError(f"the column map is for {found!r} files, this job reads {kind!r} files")
        if not found:
            raise ConfigurationError("the column map does not say which kind of file it is for ('kind')")
        values = data.get("values") or {}
        return cls(str(found), {str(k): str(v) for k, v in (data.get("columns") or {}).items() if v},
                   {str(c): {str(a): str(b) for a, b in (m or {}).items()} for c, m in values.items()})

    @classmethod
    def parse(cls, value: Any, *, kind: str) -> ColumnMap | None:
        """A map from a job parameter: ``None``/empty, a JSON object, its text, or a JSON file's path."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, ColumnMap):
            return value
        if isinstance(value, Mapping):
            return cls.from_dict(value, kind=kind)
        return cls.from_dict(json_parameter(value, param="column_map"), kind=kind)


def suggest_map(header: Sequence[str], kind: str, *, saved: ColumnMap | None = None) -> ColumnMap:
    """A map for a file with ``header``: a saved map's columns first, then our names,
    Schoology's import names and :data:`SYNONYMS` (each header used once)."""
    spec = sis.spec_for(kind)
    wanted = list(spec.columns)
    names: dict[str, list[str]] = {c: [c] for c in wanted}
    for theirs, ours in SCHOOLOGY_LAYOUTS.get(kind, {}).items():
        names.setdefault(ours, []).append(theirs)
    for ours in wanted:
        names[ours].extend(SYNONYMS.get(ours, ()))
    columns: dict[str, str] = {}
    taken: set[str] = set()
    if saved is not None:
        for head in header:
            target = saved.columns.get(head)
            if target and target not in taken:
                columns[head] = target
                taken.add(target)
    by_fold = {fold(h): h for h in header if h not in columns}
    for rank in range(max(len(n) for n in names.values())):  # exact names before synonyms
        for ours in wanted:
            if ours in taken or rank >= len(names[ours]):
                continue
            match = by_fold.get(fold(names[ours][rank]))
            if match is not None and match not in columns:
                columns[match] = ours
                taken.add(ours)
    ordered = {h: columns[h] for h in header if h in columns}
    values = {k: dict(v) for k, v in (saved.values if saved else {}).items()}
    return ColumnMap(kind, ordered, values)


@dataclass
class MapCheck:
    """What a map does to a file: the first rows mapped, and what does not map."""

    kind: str
    header: list[str]
    encoding: str
    rows: list[dict[str, str]]
    missing: list[str]
    unused: list[str]
    unmapped_values: dict[str, list[str]]
    total: int

    @property
    def ok(self) -> bool:
        return not self.missing and not any(self.unmapped_values.values())

    def problems(self) -> list[str]:
        """One sentence per problem, naming the column and the values."""
        out = [f"no column of the file is mapped to required column {c!r}" for c in self.missing]
        for column, vals in self.unmapped_values.items():
            if vals:
                more = f" and {len(vals) - 10} more" if len(vals) > 10 else ""
                shown = ", ".join(repr(v) for v in vals[:10]) + more
                out.append(f"column {column!r}: value(s) {shown} map to nothing known; add them to the value map")
        return out


class ValueMapper:
    """Our value for a file's value in one column: the map's values, defaults, then lookups."""

    def __init__(self, column_map: ColumnMap, *, roles: Lookup | None = None,
                 buildings: Lookup | None = None) -> None:
        self.map = column_map
        self.lookups = {"roles": roles, "buildings": buildings}
        self._explicit = {c: {fold(k): v for k, v in m.items()} for c, m in column_map.values.items()}
        for column, defaults in DEFAULT_VALUES.get(column_map.kind, {}).items():
            merged = {fold(k): v for k, v in defaults.items()}
            merged.update(self._explicit.get(column, {}))
            self._explicit[column] = merged
        self._titles: dict[str, dict[str, str]] = {}
        if buildings is not None:  # a school named by its title: the title -> its code
            self._titles["buildings"] = {fold(r.get("title")): name for name in buildings.names
                                         if (r := buildings.record(name)) and r.get("title")}

    def _lookup_value(self, column: str, value: str) -> str | None:
        lookup_name = _LOOKUP_COLUMNS.get(column) if self.map.kind in ("users", "role_changes") else None
        lookup = self.lookups.get(lookup_name) if lookup_name else None
        if lookup is None:
            return value  # nothing to check against: the job's own validation will
        if value in lookup:
            return value
        return self._titles.get(lookup_name or "", {}).get(fold(value))

    def one(self, column: str, value: str) -> str | None:
        """Our value for one cell value (``None`` when it maps to nothing known)."""
        explicit = self._explicit.get(column, {})
        if fold(value) in explicit:
            return explicit[fold(value)]
        return self._lookup_value(column, value)

    def cell(self, column: str, value: Any) -> tuple[str, list[str]]:
        """Our cell for ``value`` and the parts that did not map (a multi-value cell maps each part)."""
        raw = text(value)
        if not raw:
            return "", []
        if column == "additional_building_codes":
            parts = sis.split_list(raw)
            mapped = [(p, self.one(column, p)) for p in parts]
            return ";".join(m or p for p, m in mapped), [p for p, m in mapped if m is None]
        mapped_one = self.one(column, raw)
        return (raw, [raw]) if mapped_one is None else (mapped_one, [])


def map_rows(rows: Iterable[Mapping[str, Any]], column_map: ColumnMap, mapper: ValueMapper,
             unmapped: dict[str, dict[str, int]] | None = None) -> Iterable[dict[str, str]]:
    """Rows in our layout; values that map to nothing are kept as they are and noted in
    ``unmapped`` (column -> {value: first 0-based row index})."""
    for index, row in enumerate(rows):
        out: dict[str, str] = {}
        for theirs, ours in column_map.columns.items():
            value, bad = mapper.cell(ours, row.get(theirs))
            out[ours] = value
            if unmapped is not None:
                for b in bad:
                    unmapped.setdefault(ours, {}).setdefault(b, index)
        yield out


def _open(path: str | os.PathLike[str]) -> Any:
    from schoology_etl.io.tables import read_table

    return read_table(path)


def check_map(path: str | os.PathLike[str], column_map: ColumnMap, *, roles: Lookup | None = None,
              buildings: Lookup | None = None, preview_rows: int = 5) -> MapCheck:
    """Preview ``column_map`` on the file: its first rows mapped, required columns no file
    column maps to, file columns left out, and every value (whole file) that maps to nothing."""
    source = _open(path)
    header = list(source.columns)
    spec = sis.spec_for(column_map.kind)
    present = set(column_map.columns.values())
    unmapped: dict[str, dict[str, int]] = {}
    mapper = ValueMapper(column_map, roles=roles, buildings=buildings)
    rows: list[dict[str, str]] = []
    total = 0
    for row in map_rows(source, column_map, mapper, unmapped):
        if len(rows) < preview_rows:
            rows.append(row)
        total += 1
    return MapCheck(
        kind=column_map.kind, header=header, encoding=getattr(source, "encoding", ""), rows=rows,
        missing=[c for c in spec.required if c not in present],
        unused=[h for h in header if h not in column_map.columns],
        unmapped_values={c: sorted(v, key=str.casefold) for c, v in unmapped.items()}, total=total,
    )


def read_input(path: str | os.PathLike[str], kind: str, *, column_map: Any = None,
               roles: Lookup | None = None, buildings: Lookup | None = None) -> InputRows:
    """The rows of a district file in our layout for ``kind``.

    The file may be CSV in any encoding or XLSX, in our layout, Schoology's import
    layout, or any other through ``column_map`` (a :class:`ColumnMap`, its JSON text or
    a JSON file's path; a map is suggested from the header when none is given). With
    ``roles`` and ``buildings``, role and school values are resolved (a building by code
    or title); a value that maps to nothing is kept as it is (the job's checks name its
    line and the nearest known values) and listed in the result's ``unmapped``. A
    required column nothing maps to is a :class:`SourceFormatError` naming it.
    """
    source = _open(path)
    header = list(source.columns)
    given = ColumnMap.parse(column_map, kind=kind)
    used = suggest_map(header, kind, saved=given) if given is None or not given.columns else given
    if given is not None and given.columns:
        absent = [h for h in given.columns if h not in header]
        if absent:
            raise SourceFormatError(f"the column map names column(s) {', '.join(map(repr, absent))} that the file "
                                    f"does not have; its header is {', '.join(map(repr, header))}",
                                    path=str(path), line=1)
    elif given is not None:
        used = ColumnMap(kind, used.columns, given.values)
    spec = sis.spec_for(kind)
    missing = [c for c in spec.required if c not in used.columns.values()]
    if missing:
        raise SourceFormatError(
            f"required column(s) {', '.join(map(repr, missing))} missing: no column of the file is one of them "
            f"by name or known synonym; header is {', '.join(map(repr, header))}. Pass a column map "
            f"(parameter 'column_map') that says which column is which", path=str(path), line=1)
    unmapped: dict[str, dict[str, int]] = {}
    mapper = ValueMapper(used, roles=roles, buildings=buildings)
    rows = list(map_rows(source, used, mapper, unmapped))
    renamed = {h: c for h, c in used.columns.items() if h != c}
    result = InputRows(rows)
    result.path, result.encoding, result.renamed = str(path), getattr(source, "encoding", ""), renamed
    result.unmapped = {c: sorted(v, key=lambda x: v[x]) for c, v in unmapped.items() if v}
    log.info("%s", result.summary())
    return result


class InputRows(list[dict[str, Any]]):
    """The rows :func:`read_input` read, with how it read them (for the job's log)."""

    path: str = ""
    encoding: str = ""
    renamed: dict[str, str] = {}
    #: column -> the file's values that mapped to nothing (kept as they were; the job's checks name their lines)
    unmapped: dict[str, list[str]] = {}

    def summary(self) -> str:
        """``"60 rows read from users.xlsx (XLSX workbook); columns mapped: First Name -> name_first"``."""
        how = "XLSX workbook" if self.encoding == "xlsx" else \
            "CSV, " + ("UTF-8" if self.encoding == "utf-8-sig" else f"{self.encoding} text")
        pairs = ", ".join(f"{a} -> {b}" for a, b in self.renamed.items())
        mapped = f"; columns mapped: {pairs}" if self.renamed else ""
        return f"{len(self)} rows read from {os.path.basename(self.path)} ({how}){mapped}"
