"""District objects as rows of the demo SIS files (shared by the ``sis_*`` writers)."""

from __future__ import annotations

from typing import Any

from schoology_sandbox.state import DistrictState


def role_id(state: DistrictState, title: str) -> int:
    """The id of the district role titled ``title`` (exact spelling)."""
    return next(r["id"] for r in state.roles.values() if r["title"] == title)


def user_row(state: DistrictState, user: dict[str, Any]) -> dict[str, Any]:
    """A user as a row of the SIS ``users.csv`` file."""
    codes = {b["id"]: b["building_code"] for b in state.buildings.values()}
    extra = [codes[int(b)] for b in str(user.get("additional_buildings") or "").split(",") if b.strip()]
    return {
        "school_uid": str(user["school_uid"]),
        "name_first": user["name_first"],
        "name_middle": user.get("name_middle", ""),
        "name_last": user["name_last"],
        "primary_email": user.get("primary_email", ""),
        "role": state.roles[user["role_id"]]["title"],
        "building_code": codes[user["building_id"]],
        "additional_building_codes": ";".join(extra),
        "grad_year": user.get("grad_year", ""),
        "birthday_date": user.get("birthday_date", ""),
    }
