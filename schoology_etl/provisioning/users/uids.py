"""Remap ``school_uid`` values from an old -> new mapping (job ``remap_school_uids``).

Refuses the whole mapping when any new value would collide: with a user that already
holds it, with another row of the mapping, or when an old value appears twice. Chains
(``A -> B`` while ``B -> C``) are refused too: run them as two mappings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from schoology_etl.errors import RecordError
from schoology_etl.provisioning.rows import required, text, where


def school_uid_remap_updates(
    users: Iterable[Mapping[str, Any]],
    mapping: Iterable[Mapping[str, Any]],
    *,
    missing: str = "error",
    inactive_users: Iterable[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """``PUT /users`` items ``{id, uid, school_uid, old_school_uid}`` for mapping rows.

    Args:
        users: current API users.
        mapping: rows with ``old_school_uid`` and ``new_school_uid``.
        missing: ``"error"`` (default) or ``"skip"`` for old values held by no user.
        inactive_users: users deactivated but kept by Schoology; a new value one of them
            holds is a collision too (their reactivation would clash).

    Raises:
        RecordError: listing every colliding or unknown row (nothing is returned).
    """
    by_uid = {text(u.get("school_uid")): u for u in users if text(u.get("school_uid"))}
    resting = {text(u.get("school_uid")): u for u in inactive_users if text(u.get("school_uid"))}
    rows = [
        (i, required(r, "old_school_uid", index=i, step="remap"), required(r, "new_school_uid", index=i, step="remap"))
        for i, r in enumerate(mapping)
    ]
    problems: list[str] = []
    seen_old: dict[str, int] = {}
    seen_new: dict[str, int] = {}
    updates = []
    for i, old, new in rows:
        if old in seen_old:
            problems.append(f"{where(i)}: old_school_uid {old!r} already mapped on {where(seen_old[old])}")
        if new in seen_new:
            problems.append(f"{where(i)}: new_school_uid {new!r} already used on {where(seen_new[new])}")
        seen_old.setdefault(old, i)
        seen_new.setdefault(new, i)
        if new in by_uid and new != old:
            holder = by_uid[new]
            problems.append(
                f"{where(i)}: new_school_uid {new!r} is held by user {text(holder.get('uid'))} "
                f"({text(holder.get('name_first'))} {text(holder.get('name_last'))})"
            )
        if new in resting and new not in by_uid:
            problems.append(f"{where(i)}: new_school_uid {new!r} is held by inactive user "
                            f"{text(resting[new].get('uid'))}")
        user = by_uid.get(old)
        if user is None:
            if missing != "skip":
                problems.append(f"{where(i)}: old_school_uid {old!r} belongs to no user")
            continue
        if new != old:
            uid = text(user.get("uid") or user.get("id"))
            updates.append({"id": uid, "uid": uid, "school_uid": new, "old_school_uid": old})
    if problems:
        raise RecordError(
            f"school_uid remap refused, {len(problems)} problem(s):\n" + "\n".join(problems), step="remap"
        )
    return updates
