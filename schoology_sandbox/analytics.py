"""Build the demo analytics database (logins and daily activity) from the seeded district.

Deterministic: the same district (``seed``, ``users``, ``today``) gives the same rows.
Every active user falls in one of four groups, chosen by a seeded draw and listed in the
manifest the builder returns, so reports can be checked against it exactly:

* ``never_logged_in``: about 5% of active users, no login at all;
* ``inactive_over_90``: about 5%, last login 92 to 200 days before ``as_of``;
* ``inactive_31_90``: about 5%, last login 31 to 89 days before ``as_of``;
* everyone else logs in on several days of the last 12 weeks, the last time within the
  last 29 days.

Deactivated users are in ``analytics_users`` with ``active`` false and logins more than
90 days old. A login is made at the user's primary building.

The tables follow a :class:`~schoology_etl.provisioning.analytics.warehouse.WarehouseMap` (default:
today's layout), so a renamed layout can be built and tried. A map with a district filter
gets its value in every row, and a second district beside it (every row again, under
``school_uid`` ``D2-...`` and another district value) that the filter must leave out.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

import sqlalchemy as sa

from schoology_etl.provisioning.analytics.warehouse import DEFAULT_WAREHOUSE, FIELDS, WarehouseMap
from schoology_sandbox.seed import seed_district
from schoology_sandbox.state import DistrictState

log = logging.getLogger(__name__)

GROUP_SHARE = 0.05
_CHUNK = 5000


def _login_days(rng: random.Random, group: str) -> list[int]:
    """Days before ``as_of`` on which the user logs in, for one activity group."""
    if group == "never_logged_in":
        return []
    if group == "inactive_over_90" or group == "deactivated":
        return sorted({rng.randint(92, 200) for _ in range(rng.randint(1, 6))})
    if group == "inactive_31_90":
        return sorted({rng.randint(31, 89) for _ in range(rng.randint(1, 6))})
    days = {rng.randint(0, 29)}
    for week in range(12):
        days |= {week * 7 + rng.randint(0, 6) for _ in range(rng.randint(0, 4))}
    return sorted(days)


def _group_of(rng: random.Random) -> str:
    draw = rng.random()
    for n, name in enumerate(("never_logged_in", "inactive_over_90", "inactive_31_90")):
        if draw < GROUP_SHARE * (n + 1):
            return name
    return "active"


def demo_tables(warehouse: WarehouseMap = DEFAULT_WAREHOUSE) -> dict[str, sa.Table]:
    """The three tables of ``warehouse``'s layout, with keys and indexes, for creating them.

    Each column's key is its field name (rows are inserted by field); the district filter's
    column, when the map has one, has the key ``district``.
    """
    md = sa.MetaData(schema=warehouse.schema)
    keys = {"users": ("school_uid",), "logins": (), "activity": ("school_uid", "day")}
    out = {}
    for table, fields in FIELDS.items():
        cols = [sa.Column(name, type_, key=fld, primary_key=fld in keys[table], nullable=fld not in ("ts", "day"))
                for fld, type_ in fields.items() if (name := warehouse.column(table, fld)) is not None]
        if warehouse.district is not None:
            kind = sa.Integer() if isinstance(warehouse.district.value, int) else sa.String(32)
            cols.append(sa.Column(warehouse.district.column, kind, key="district", nullable=False,
                                  primary_key=bool(keys[table])))
        if table == "logins" and "id" not in {c.name for c in cols}:
            cols.insert(0, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True))
        if table == "users" and "uid" not in {c.name for c in cols}:
            cols.insert(1, sa.Column("uid", sa.String(32)))
        out[table] = sa.Table(warehouse.tables[table], md, *cols)
    logins = warehouse.tables["logins"]
    sa.Index(f"ix_{logins}_ts", out["logins"].c.ts)
    sa.Index(f"ix_{logins}_user", out["logins"].c.school_uid)
    sa.Index(f"ix_{warehouse.tables['users']}_building", out["users"].c.building_id)
    return out


def _in_district(rows: list[dict[str, Any]], table: sa.Table, warehouse: WarehouseMap) -> list[dict[str, Any]]:
    """The rows as ``table`` stores them: its district's value, then a second district's copy."""
    keys = set(table.c.keys())
    rows = [{k: v for k, v in r.items() if k in keys} for r in rows]
    if warehouse.district is None:
        return rows
    value = warehouse.district.value
    other = value + 1 if isinstance(value, int) else f"{value}-other"
    return ([{**r, "district": value} for r in rows]
            + [{**r, "school_uid": f"D2-{r['school_uid']}", "district": other} for r in rows])


def demo_analytics_rows(state: DistrictState, *, seed: int, as_of: dt.date) -> dict[str, Any]:
    """The rows of the three tables and the manifest, without touching a database."""
    rng = random.Random(f"analytics:{seed}:{as_of.isoformat()}")
    roles = {rid: r["title"] for rid, r in state.roles.items()}
    people = [(u, True) for u in state.users.values()] + [(u, False) for u in state.inactive_users.values()]
    people.sort(key=lambda pair: str(pair[0]["school_uid"]))
    users, logins, activity = [], [], []
    groups: dict[str, list[str]] = {name: [] for name in ("never_logged_in", "inactive_over_90", "inactive_31_90",
                                                          "deactivated")}
    for user, active in people:
        school_uid, building = str(user["school_uid"]), str(user["building_id"])
        group = _group_of(rng) if active else "deactivated"
        if group != "active":
            groups[group].append(school_uid)
        users.append(
            {
                "school_uid": school_uid,
                "uid": str(user["uid"]),
                "name_first": user.get("name_first"),
                "name_last": user.get("name_last"),
                "role_title": roles.get(user["role_id"], ""),
                "building_id": building,
                "active": active,
            }
        )
        for back in _login_days(rng, group):
            day = as_of - dt.timedelta(days=back)
            times = sorted(rng.randint(6 * 60, 22 * 60) for _ in range(rng.randint(1, 3)))
            for minute in times:
                ts = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randint(0, 59))
                logins.append({"school_uid": school_uid, "building_id": building, "ts": ts})
            activity.append(
                {
                    "school_uid": school_uid,
                    "day": day,
                    "building_id": building,
                    "events": rng.randint(1, 40) * len(times),
                    "minutes": rng.randint(2, 90) * len(times),
                }
            )
    manifest = {
        "seed": seed,
        "as_of": as_of.isoformat(),
        "users": len(users),
        "logins": len(logins),
        "activity_rows": len(activity),
        **{name: sorted(uids) for name, uids in groups.items()},
    }
    return {"users": users, "logins": logins, "activity": activity, "manifest": manifest}


def build_demo_analytics(
    url: str | sa.Engine,
    *,
    seed: int = 1,
    users: int = 300,
    as_of: dt.date | None = None,
    state: DistrictState | None = None,
    warehouse: WarehouseMap = DEFAULT_WAREHOUSE,
) -> dict[str, Any]:
    """Create (or re-create) the analytics tables at ``url`` and fill them from the district.

    Args:
        url: a SQLAlchemy URL or engine (SQLite for the demo; PostgreSQL, MariaDB work too).
        seed, users: the district to derive from (ignored when ``state`` is given).
        as_of: the reporting day logins are placed around (default: today); the district
            is seeded with the same day.
        state: an already seeded district (its current users are used).
        warehouse: the layout to build (table and column names, schema, district filter);
            an optional field the map sets to ``null`` is left out.

    Returns:
        The manifest: counts and the ``school_uid`` lists of each activity group.
    """
    as_of = as_of or dt.date.today()
    state = state if state is not None else seed_district(seed, users, today=as_of)
    data = demo_analytics_rows(state, seed=seed, as_of=as_of)
    engine = sa.create_engine(url) if isinstance(url, str) else url
    tables = demo_tables(warehouse)
    try:
        metadata = tables["users"].metadata
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            for name in ("users", "logins", "activity"):
                rows = _in_district(data[name], tables[name], warehouse)
                for start in range(0, len(rows), _CHUNK):
                    conn.execute(tables[name].insert(), rows[start : start + _CHUNK])
    finally:
        if isinstance(url, str):
            engine.dispose()
    log.info("demo analytics: %(users)d users, %(logins)d logins, %(activity_rows)d activity rows", data["manifest"])
    return data["manifest"]
