"""Choices filled from a client's own data (buildings, roles, grading periods) for forms.

Values are Schoology ids as strings, labels are titles; see :mod:`runner.params`.
"""

from __future__ import annotations

from typing import Any

from schoology_etl.profiles import connect


def _titled(records: Any, *, id_field: str = "id") -> list[tuple[str, str]]:
    pairs = [(str(r.get("title") or r.get(id_field)), str(r[id_field])) for r in records if r.get(id_field) is not None]
    return sorted(pairs, key=lambda p: p[0].lower())


def load_choices_with(client: Any, kind: str) -> list[tuple[str, str]]:
    """``[(title, id)]`` of ``kind`` read through an open client."""
    if kind == "roles":  # school-wide roles, then building override roles (a separate array)
        overrides = client.get("roles", limit=200).get("building_role") or []
        return _titled([*client.iter_records("roles"), *overrides])
    if kind == "grading_periods":
        return _titled(client.iter_records("grading_periods"))
    if kind == "buildings":
        out: list[tuple[str, str]] = []
        for school in client.iter_records("schools"):  # a user's building may be the school itself
            out += _titled([school, *client.iter_records("buildings", school_id=school["id"])])
        return sorted(out, key=lambda p: p[0].lower())
    raise ValueError(f"no client data choices of type {kind!r}")


def load_choices(client_name: str, kind: str) -> list[tuple[str, str]]:
    """``[(title, id)]`` of ``kind`` for the client profile ``client_name``."""
    with connect(client_name) as client:
        return load_choices_with(client, kind)


def load_records(client_name: str, kind: str) -> list[dict]:
    """The client's role records (building roles included) or building records (schools too),
    whole, for :mod:`schoology_etl.provisioning.lookups` (codes and titles, not only ids)."""
    from schoology_etl.provisioning.lookups import all_roles

    with connect(client_name) as client:
        if kind == "roles":
            return all_roles(client)
        if kind == "buildings":
            schools = list(client.iter_records("schools"))
            return [*schools, *(b for s in schools for b in client.iter_records("buildings", school_id=s["id"]))]
    raise ValueError(f"no client records of type {kind!r}")
