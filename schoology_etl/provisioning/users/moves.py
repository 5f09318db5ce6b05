"""Choose users and move them between buildings (job ``move_users_building``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.families.parent_buildings import user_buildings
from schoology_etl.provisioning.rows import join_ids, text

MODES = ("primary", "additional", "remove")


def select_users(
    users: Iterable[Mapping[str, Any]],
    *,
    role_ids: Iterable[Any] | None = None,
    grad_years: Iterable[Any] | None = None,
    school_uids: Iterable[Any] | None = None,
    building_ids: Iterable[Any] | None = None,
) -> list[dict[str, Any]]:
    """Copies of the users matching every given criterion (``None`` or empty: no filter).

    ``building_ids`` matches users whose primary or additional buildings include one.
    """

    def as_set(values: Iterable[Any] | None) -> set[str] | None:
        found = {text(v) for v in values or ()} - {""}
        return found or None

    roles, years, uids, buildings = map(as_set, (role_ids, grad_years, school_uids, building_ids))
    chosen = []
    for user in users:
        if roles and text(user.get("role_id")) not in roles:
            continue
        if years and text(user.get("grad_year")) not in years:
            continue
        if uids and text(user.get("school_uid")) not in uids:
            continue
        if buildings and not buildings & set(user_buildings(user)):
            continue
        chosen.append(dict(user))
    return chosen


def building_move_updates(
    users: Iterable[Mapping[str, Any]], *, building_id: Any, mode: str = "primary", keep_previous: bool = False
) -> list[dict[str, Any]]:
    """``PUT /users`` items moving each user to ``building_id``; unchanged users are left out.

    Args:
        mode: ``"primary"`` makes it the primary building (the old primary is dropped, or
            kept as an additional building with ``keep_previous``); ``"additional"`` adds it
            as an additional building; ``"remove"`` removes it from the additional buildings.
    """
    if mode not in MODES:
        raise ConfigurationError(f"mode must be one of {MODES}, not {mode!r}")
    target = text(building_id)
    if not target:
        raise ConfigurationError("building_id is empty")
    updates = []
    for user in users:
        current = user_buildings(user)
        primary, extra = (current[0] if current else ""), current[1:]
        if mode == "primary":
            extra = [b for b in extra if b != target] + ([primary] if keep_previous and primary != target else [])
            primary = target
        elif mode == "additional" and target not in current:
            extra = [*extra, target]
        elif mode == "remove":
            extra = [b for b in extra if b != target]
        if [primary, *extra] == current:
            continue
        uid = text(user.get("uid") or user.get("id"))
        updates.append(
            {
                "id": uid,
                "uid": uid,
                "school_uid": user.get("school_uid"),
                "building_id": primary,
                "additional_buildings": join_ids(dict.fromkeys(extra)),
            }
        )
    return updates
