"""Licence adoption: active accounts by role and building against licensed seats, and who signed in.

Job ``license_adoption_report``. Accounts are the API's active users (streamed, counted,
never kept); adoption is the share of those accounts that signed in during the period,
read from the warehouse (``analytics.signed_in_users``). Licensed seats are per role
title, from a parameter (``Student=1200, Teacher=90`` or a JSON object) or a CSV file
with ``role`` and ``seats`` columns.

>>> seats = parse_licensed_seats("student=3", role_titles=["Student", "Teacher"])
>>> seats
{'Student': 3}
>>> users = [{"school_uid": s, "role_id": 7, "building_id": 1} for s in ("a", "b", "c", "d")]
>>> counts = count_adoption(users, {"a", "b"}, role_names={"7": "Student"})
>>> [r["over_license"] for r in adoption_by_role(counts, seats)]
[1]
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.rows import text

if TYPE_CHECKING:
    import pandas as pd

#: what :func:`count_adoption` reads of a user
USER_FIELDS = ("school_uid", "role_id", "building_id")
ROLE_COLUMNS = ["role", "licensed", "accounts", "signed_in", "adoption", "seats_used", "over_license"]
BUILDING_COLUMNS = ["building_id", "building", "role", "accounts", "signed_in", "adoption"]


def _seat_count(value: Any, where: str) -> int:
    raw = text(value)
    if not raw.isdigit():
        raise ConfigurationError(f"{where}: seats must be a whole number of at least 0, got {raw!r}")
    return int(raw)


def _pairs_from_file(path: str) -> list[tuple[str, Any, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().casefold() for h in reader.fieldnames or []]
        if "role" not in header or "seats" not in header:
            raise ConfigurationError(f"seats file {os.path.basename(path)}: needs the columns role and seats, "
                                     f"has {', '.join(reader.fieldnames or []) or 'none'}")
        out = []
        for line, row in enumerate(reader, start=2):
            folded = {k.strip().casefold(): v for k, v in row.items() if k}
            out.append((text(folded.get("role")), folded.get("seats"), f"seats file line {line}"))
        return out


def _pairs_from_text(value: Any) -> list[tuple[str, Any, str]]:
    if isinstance(value, Mapping):
        return [(text(k), v, f"licensed_seats {k!r}") for k, v in value.items()]
    raw = text(value)
    if raw.startswith("{"):
        try:
            return _pairs_from_text(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"licensed_seats: not valid JSON ({exc.msg}, char {exc.pos})") from exc
    out = []
    for part in (p.strip() for p in raw.replace(";", ",").replace("\n", ",").split(",")):
        if not part:
            continue
        role, sep, seats = part.rpartition("=")
        if not sep or not role.strip():
            raise ConfigurationError(f"licensed_seats: {part!r} is not ROLE=SEATS (e.g. Student=1200)")
        out.append((role.strip(), seats.strip(), f"licensed_seats {role.strip()!r}"))
    return out


def parse_licensed_seats(value: Any = None, *, path: str | os.PathLike[str] | None = None,
                         role_titles: Iterable[str]) -> dict[str, int]:
    """Licensed seats per role title (the district's spelling), from ``value`` and/or a CSV at ``path``.

    Role titles match ignoring case; an unknown role, a bad seat count or a role given
    twice raises :class:`ConfigurationError` naming it (and the file line).
    """
    known = {t.casefold(): t for t in role_titles}
    pairs = _pairs_from_file(os.fspath(path)) if path else []
    if value not in (None, "") and value != {}:
        pairs += _pairs_from_text(value)
    seats: dict[str, int] = {}
    for role, count, where in pairs:
        title = known.get(role.casefold())
        if title is None:
            raise ConfigurationError(f"{where}: unknown role {role!r}; "
                                     f"the roles are {', '.join(sorted(known.values()))}")
        if title in seats:
            raise ConfigurationError(f"{where}: role {title!r} is given twice")
        seats[title] = _seat_count(count, where)
    return seats


@dataclass
class AdoptionCounts:
    """Accounts and signed-in accounts per (building id, role title)."""

    accounts: Counter[tuple[str, str]] = field(default_factory=Counter)
    signed_in: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.accounts.values())


def count_adoption(users: Iterable[Mapping[str, Any]], signed_in: set[str] | frozenset[str], *,
                   role_names: Mapping[str, str]) -> AdoptionCounts:
    """Count ``users`` (streamed) by building and role; ``signed_in``: the ``school_uid``s that signed in."""
    counts = AdoptionCounts()
    for user in users:
        key = (text(user.get("building_id")), role_names.get(text(user.get("role_id")), text(user.get("role_id"))))
        counts.accounts[key] += 1
        if text(user.get("school_uid")) in signed_in:
            counts.signed_in[key] += 1
    return counts


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def adoption_by_role(counts: AdoptionCounts, licensed: Mapping[str, int]) -> list[dict[str, Any]]:
    """One row per role with accounts or seats: licensed seats (``None``: not licensed), accounts,
    accounts that signed in, adoption (signed in / accounts), seats used (accounts / licensed) and
    accounts over the licence."""
    accounts: Counter[str] = Counter()
    signed: Counter[str] = Counter()
    for (_, role), n in counts.accounts.items():
        accounts[role] += n
    for (_, role), n in counts.signed_in.items():
        signed[role] += n
    rows = []
    for role in sorted(set(accounts) | set(licensed)):
        seats = licensed.get(role)
        rows.append({
            "role": role, "licensed": seats, "accounts": accounts[role], "signed_in": signed[role],
            "adoption": _share(signed[role], accounts[role]),
            "seats_used": None if seats is None else _share(accounts[role], seats),
            "over_license": None if seats is None else max(accounts[role] - seats, 0),
        })
    return rows


def adoption_by_building(counts: AdoptionCounts, *, building_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per (building, role): accounts, accounts that signed in, adoption; by building name then role."""
    keys = sorted(counts.accounts, key=lambda k: (building_names.get(k[0], k[0]), k[0], k[1]))
    return [{"building_id": b, "building": building_names.get(b, ""), "role": r,
             "accounts": counts.accounts[(b, r)], "signed_in": counts.signed_in[(b, r)],
             "adoption": _share(counts.signed_in[(b, r)], counts.accounts[(b, r)])}
            for b, r in keys]


def adoption_tables(counts: AdoptionCounts, licensed: Mapping[str, int], *,
                    building_names: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The job's two reports: ``license_adoption.csv`` (:func:`adoption_by_role` in :data:`ROLE_COLUMNS`,
    ``licensed`` and ``over_license`` nullable integers, empty for a role without a licence) and
    ``adoption_by_building.csv`` (:func:`adoption_by_building` in :data:`BUILDING_COLUMNS`)."""
    import pandas as pd

    by_role = pd.DataFrame(adoption_by_role(counts, licensed), columns=ROLE_COLUMNS)
    by_building = pd.DataFrame(adoption_by_building(counts, building_names=building_names), columns=BUILDING_COLUMNS)
    return by_role.astype({"licensed": "Int64", "over_license": "Int64"}), by_building
