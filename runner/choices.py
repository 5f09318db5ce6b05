"""Choices filled from a client's own data (buildings, roles, grading periods) for forms.

Values are Schoology ids as strings, labels are titles; see :mod:`runner.params`.
"""

from __future__ import annotations

from typing import Any

from schoology_etl.profiles import connect
from schoology_etl.provisioning.lookups import ClientLookups


def _titled(records: Any, *, id_field: str = "id") -> list[tuple[str, str]]:
    pairs = [(str(r.get("title") or r.get(id_field)), str(r[id_field])) for r in records if r.get(id_field) is not None]
    return sorted(pairs, key=lambda p: p[0].lower())


_RECORDS = {"roles": "roles", "grading_periods": "grading_periods", "buildings": "places"}


def load_choices_with(client: Any, kind: str) -> list[tuple[str, str]]:
    """``[(title, id)]`` of ``kind`` read through an open client (the library's one lookup)."""
    return _titled(_records(client, kind))


def _records(client: Any, kind: str) -> list[dict[str, Any]]:
    if kind not in _RECORDS:
        raise ValueError(f"no client data choices of type {kind!r}")
    records: list[dict[str, Any]] = getattr(ClientLookups(client), _RECORDS[kind])
    return records


def load_choices(client_name: str, kind: str) -> list[tuple[str, str]]:
    """``[(title, id)]`` of ``kind`` for the client profile ``client_name``."""
    with connect(client_name) as client:
        return load_choices_with(client, kind)


def load_records(client_name: str, kind: str) -> list[dict[str, Any]]:
    """The client's role records (building roles included) or building records (schools too),
    whole, for :mod:`schoology_etl.provisioning.lookups` (codes and titles, not only ids)."""
    if kind not in ("roles", "buildings"):
        raise ValueError(f"no client records of type {kind!r}")
    with connect(client_name) as client:
        return _records(client, kind)
