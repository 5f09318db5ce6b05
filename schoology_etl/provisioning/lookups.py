"""Resolve role titles, building codes and grading period titles to Schoology ids.

Built from the API's own lists (``/roles``, ``/schools/{id}/buildings``,
``/gradingperiods``); matching ignores case and surrounding spaces. An unknown value
raises :class:`~schoology_etl.errors.RecordError` naming the row, the column, the value
and the nearest known values.

>>> roles = role_lookup([{"id": 7, "title": "Student"}, {"id": 9, "title": "Parent"}])
>>> roles.resolve("student")
'7'
>>> roles.get("Teacher") is None
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.rows import text, where


def _fold(value: Any) -> str:
    return " ".join(text(value).split()).casefold()


class Lookup:
    """A case-insensitive ``name -> id`` resolver over API records.

    Args:
        records: API records (dicts) holding ``key_field`` and ``id_field``.
        key_field: the field matched against input values (``title``, ``building_code``).
        kind: what a value is, for messages (``"role title"``).
        id_field: the field returned (``"id"``).
    """

    def __init__(
        self, records: Iterable[Mapping[str, Any]], *, key_field: str, kind: str, id_field: str = "id"
    ) -> None:
        self.kind = kind
        self.key_field = key_field
        self._ids: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._ambiguous: dict[str, list[str]] = {}
        self._records: dict[str, dict[str, Any]] = {}
        for record in records:
            name, ident = text(record.get(key_field)), text(record.get(id_field))
            if not name or not ident:
                continue
            key = _fold(name)
            if key in self._ids and self._ids[key] != ident:
                self._ambiguous.setdefault(key, [self._ids[key]]).append(ident)
                continue
            self._ids[key], self._names[key], self._records[key] = ident, name, dict(record)
        if not self._ids:
            raise ConfigurationError(f"no {kind} values to look up (empty list from the API?)")

    def __contains__(self, value: object) -> bool:
        return _fold(value) in self._ids and _fold(value) not in self._ambiguous

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def names(self) -> list[str]:
        """The known values, as spelled by the API, sorted."""
        return sorted(self._names.values(), key=str.casefold)

    def get(self, value: Any) -> str | None:
        """The id for ``value``, or ``None`` when it is unknown or ambiguous."""
        key = _fold(value)
        return None if key in self._ambiguous else self._ids.get(key)

    def record(self, value: Any) -> dict[str, Any] | None:
        """A copy of the API record for ``value``, or ``None``."""
        found = self._records.get(_fold(value))
        return dict(found) if found is not None and value in self else None

    def name_for(self, ident: Any) -> str | None:
        """The value (as spelled by the API) whose id is ``ident``, or ``None``."""
        wanted = text(ident)
        return next((self._names[k] for k, i in self._ids.items() if i == wanted), None)

    def near(self, value: Any, n: int = 3) -> list[str]:
        """Up to ``n`` known values that look like ``value``."""
        keys = difflib.get_close_matches(_fold(value), list(self._names), n=n, cutoff=0.6)
        return [self._names[k] for k in keys]

    def problem(self, value: Any) -> str | None:
        """Why ``value`` cannot be resolved (``None`` when it can)."""
        key = _fold(value)
        if key in self._ambiguous:
            ids = ", ".join(self._ambiguous[key])
            return f"{self.kind} {text(value)!r} is ambiguous (ids {ids})"
        if key in self._ids:
            return None
        near = self.near(value)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        return f"unknown {self.kind} {text(value)!r}{hint}"

    def resolve(self, value: Any, *, index: int | None = None, field: str | None = None) -> str:
        """The id for ``value``; raise :class:`RecordError` naming row, column and value if unknown."""
        problem = self.problem(value)
        if problem is None:
            return self._ids[_fold(value)]
        column = f"column {field!r}: " if field else ""
        raise RecordError(f"{where(index)}: {column}{problem}", step=f"resolve {self.kind}", index=index)

    def __repr__(self) -> str:
        return f"<Lookup {self.kind}: {len(self)} values>"


def role_lookup(roles: Iterable[Mapping[str, Any]]) -> Lookup:
    """Role title -> role id, from ``/roles`` records (pass :func:`all_roles` for building roles too)."""
    return Lookup(roles, key_field="title", kind="role title")


def building_lookup(buildings: Iterable[Mapping[str, Any]]) -> Lookup:
    """Building code -> building id, from ``/schools/{id}/buildings`` records."""
    return Lookup(buildings, key_field="building_code", kind="building code")


def grading_period_lookup(periods: Iterable[Mapping[str, Any]]) -> Lookup:
    """Grading period title -> id, from ``/gradingperiods`` records."""
    return Lookup(periods, key_field="title", kind="grading period title")


def all_roles(client: Any) -> list[dict[str, Any]]:
    """Every role of ``GET /roles``: the ``role`` list and the building (school override)
    roles the API returns in their own ``building_role`` array (e.g. "Teacher (Northgate)")."""
    roles = [dict(r) for r in client.iter_records("roles")]  # paged: a district may have many
    data = client.get("roles", limit=200) or {}
    overrides = data.get("building_role") if isinstance(data, Mapping) else None
    return [*roles, *(dict(r) for r in overrides or [] if isinstance(r, Mapping))]


def all_buildings(client: Any) -> list[dict[str, Any]]:
    """Every place a user or a course can belong to: each school of ``GET /schools`` (a user's
    building may be the school itself), then that school's ``GET /schools/{id}/buildings``."""
    schools = [dict(s) for s in client.iter_records("schools")]
    return [*schools, *(dict(b) for s in schools for b in client.iter_records("buildings", school_id=s["id"]))]


def check_chosen(chosen: Iterable[Any], known: Mapping[str, str], *, parameter: str, kind: str = "id") -> None:
    """Raise :class:`ConfigurationError` naming ``parameter`` when a chosen id is not one of ``known``.

    >>> check_chosen(["2"], {"1": "North", "2": "South"}, parameter="buildings")
    >>> check_chosen([9], {"1": "North"}, parameter="buildings")
    Traceback (most recent call last):
    ...
    schoology_etl.errors.ConfigurationError: buildings: unknown id(s) 9; known: 1 (North)
    """
    unknown = sorted({text(c) for c in chosen} - set(known))
    if unknown:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(known.items()))
        raise ConfigurationError(f"{parameter}: unknown {kind}(s) {', '.join(unknown)}; known: {listed}")


class ClientLookups:
    """The client's schools and buildings, roles and grading periods, each read once when first used.

    One object for notebooks and the runner's forms alike: ``places`` / ``building_names`` /
    ``building_codes``, ``roles`` / ``role_names`` / ``role_titles``, ``grading_periods`` /
    ``period_titles``, and :meth:`check_buildings` for a job's ``buildings`` parameter.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self._places: list[dict[str, Any]] | None = None
        self._roles: list[dict[str, Any]] | None = None
        self._periods: list[dict[str, Any]] | None = None

    @property
    def places(self) -> list[dict[str, Any]]:
        """Schools and their buildings (see :func:`all_buildings`)."""
        if self._places is None:
            self._places = all_buildings(self.client)
        return self._places

    @property
    def building_names(self) -> dict[str, str]:
        """Building (or school) id -> title."""
        return {text(b.get("id")): text(b.get("title")) for b in self.places}

    @property
    def building_codes(self) -> Lookup:
        """Building code -> id."""
        return building_lookup(self.places)

    @property
    def roles(self) -> list[dict[str, Any]]:
        """Every role, building roles included (see :func:`all_roles`)."""
        if self._roles is None:
            self._roles = all_roles(self.client)
        return self._roles

    @property
    def role_names(self) -> dict[str, str]:
        """Role id -> title."""
        return {text(r.get("id")): text(r.get("title")) for r in self.roles}

    @property
    def role_titles(self) -> Lookup:
        """Role title -> id."""
        return role_lookup(self.roles)

    @property
    def grading_periods(self) -> list[dict[str, Any]]:
        """``GET /gradingperiods``."""
        if self._periods is None:
            self._periods = [dict(p) for p in self.client.iter_records("grading_periods")]
        return self._periods

    @property
    def period_titles(self) -> dict[str, str]:
        """Grading period id -> title."""
        return {text(p.get("id")): text(p.get("title")) for p in self.grading_periods}

    def check_buildings(self, chosen: Iterable[Any], parameter: str = "buildings") -> None:
        """Refuse building ids the client does not have, naming the parameter and the known ones."""
        check_chosen(chosen, self.building_names, parameter=parameter)
