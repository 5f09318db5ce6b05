"""A client's analytics warehouse map, saved in the store and given to every analytics job.

A job with a ``warehouse_map`` parameter gets the client's saved map when the run is
created without one (:func:`fill_saved_warehouse`); a client with no saved map gets
today's layout. Saving and removing a map need the admin role (it is part of the
client's set-up, like its SQL URL); showing and checking it are open to every user.
Saving checks the map against the client's analytics database first.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from runner.roles import ADMIN, require_role
from runner.store import WarehouseMapRow, session_scope, utcnow
from schoology_etl.errors import ConfigurationError
from schoology_etl.profiles import resolve_profile
from schoology_etl.provisioning.analytics.warehouse import (
    DEFAULT_WAREHOUSE,
    WarehouseMap,
    check_warehouse,
    district_column_type,
    fit_district_value,
)

MAP_PARAM = "warehouse_map"


def _sql_url(client: str) -> str:
    profile = resolve_profile(client)
    if not profile.sql_url:
        raise ConfigurationError(f"client {client!r} has no analytics database (sql_url) in its profile")
    return profile.sql_url


def get_warehouse_map(client: str) -> WarehouseMap | None:
    """The map saved for ``client``, or ``None`` (its jobs use today's layout)."""
    with session_scope() as s:
        row = s.scalar(sa.select(WarehouseMapRow).where(WarehouseMapRow.client == client))
        return WarehouseMap.from_dict(json.loads(row.map_json)) if row is not None else None


def warehouse_map_for(client: str) -> WarehouseMap:
    """The map ``client``'s analytics jobs use: the saved one, else today's layout."""
    return get_warehouse_map(client) or DEFAULT_WAREHOUSE


def check_client_warehouse(client: str, warehouse: WarehouseMap | None = None) -> list[str]:
    """What ``warehouse`` (default: the client's map) names that the client's analytics database lacks."""
    return check_warehouse(_sql_url(client), warehouse or warehouse_map_for(client))


def save_warehouse_map(client: str, warehouse_map: Any, user: str, *, check: bool = True) -> WarehouseMap:
    """Save ``warehouse_map`` (a :class:`WarehouseMap`, dict, JSON text or file path) for ``client``.

    With ``check`` (the default) the map must fit the client's analytics database, and a
    district value is stored as its column holds it (``"7"`` becomes ``7`` for a number column).

    Raises:
        NotAllowedError: ``user`` is not an admin. ConfigurationError: the map is malformed,
        the client is unknown or has no analytics database, or the map does not fit it
        (every missing table and column named); nothing is saved.
    """
    require_role(user, ADMIN, f"set the warehouse map of client {client!r}")
    parsed = WarehouseMap.parse(warehouse_map)
    resolve_profile(client)  # an unknown client fails here
    if check:
        url = _sql_url(client)
        parsed = fit_district_value(parsed, district_column_type(url, parsed))
        problems = check_warehouse(url, parsed)
        if problems:
            raise ConfigurationError(f"the warehouse map does not fit client {client!r}'s analytics database "
                                     f"(nothing saved): " + "; ".join(problems))
    text = parsed.to_json()
    with session_scope() as s:
        row = s.scalar(sa.select(WarehouseMapRow).where(WarehouseMapRow.client == client))
        if row is None:
            s.add(WarehouseMapRow(client=client, map_json=text, saved_by=user))
        else:
            row.map_json, row.saved_by, row.saved_at = text, user, utcnow()
    return parsed


def remove_warehouse_map(client: str, user: str) -> bool:
    """Forget ``client``'s map (its jobs go back to today's layout); False when there was none."""
    require_role(user, ADMIN, f"remove the warehouse map of client {client!r}")
    with session_scope() as s:
        result = s.execute(sa.delete(WarehouseMapRow).where(WarehouseMapRow.client == client))
        return bool(getattr(result, "rowcount", 0))


def fill_saved_warehouse(header: Any, client: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the client's saved map as ``warehouse_map`` when the job takes one and none was given."""
    if MAP_PARAM not in header.params or params.get(MAP_PARAM) not in (None, ""):
        return params
    saved = get_warehouse_map(client)
    return params if saved is None else {**params, MAP_PARAM: saved.to_json()}
