"""Choices filled from a client's own data, for the ``buildings``, ``roles`` and ``grading_periods`` fields.

The value of such a field is a list of Schoology ids (strings); the title is only the
label a person picks from. ``client`` is a :class:`schoology_etl.SchoologyClient`.
"""

from __future__ import annotations

from typing import Any, Iterable


def _pairs(records: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(r.get("title") or r["id"]), str(r["id"])) for r in records if r.get("id") is not None]


def _buildings(client: Any) -> list[tuple[str, str]]:
    schools = list(client.iter_records("schools"))
    out = _pairs(schools)
    for school in schools:
        out += _pairs(client.iter_records("buildings", school_id=school["id"]))
    return out


def _roles(client: Any) -> list[tuple[str, str]]:
    overrides = client.get("roles", limit=200).get("building_role", [])  # school override roles
    return _pairs(client.iter_records("roles")) + _pairs(overrides)


def _grading_periods(client: Any) -> list[tuple[str, str]]:
    return _pairs(client.iter_records("grading_periods"))


LOADERS = {"buildings": _buildings, "roles": _roles, "grading_periods": _grading_periods}


def load_client_choices(client: Any, field_type: str) -> list[tuple[str, str]]:
    """``[(title, id), ...]`` for a client-data field type, sorted by title, ids unique.

    Raises:
        ValueError: ``field_type`` is not a client-data type.
    """
    loader = LOADERS.get(field_type)
    if loader is None:
        raise ValueError(f"{field_type!r} is not one of {', '.join(LOADERS)}")
    seen: dict[str, str] = {}
    for title, ident in loader(client):
        seen.setdefault(ident, title)
    return sorted(((t, i) for i, t in seen.items()), key=lambda p: (p[0].lower(), p[1]))
