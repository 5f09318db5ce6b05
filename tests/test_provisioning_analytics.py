"""Analytics queries on real SQLite, PostgreSQL and MariaDB, against the demo analytics database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from schoology_etl.provisioning.analytics.warehouse import WarehouseMap
from schoology_etl.provisioning.analytics.warehouse_queries import (
    inactive_users,
    logins_per_building_per_week,
    usage_summary,
    week_start,
)
from schoology_sandbox.analytics import build_demo_analytics, demo_analytics_rows, demo_tables
from schoology_sandbox.seed import seed_district

AS_OF = dt.date(2026, 11, 27)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> str:
    return fresh_database(request.param)


@pytest.fixture(scope="module")
def district():
    return seed_district(3, 60, today=AS_OF)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def test_week_start_is_monday_on_every_database(db_url: str) -> None:
    logins = demo_tables(WarehouseMap.from_dict({"tables": {"logins": "wk_logins"}}))["logins"]
    stamps = [dt.datetime(2026, 12, 27, 23, 59, 59) + dt.timedelta(days=n, hours=7 * n) for n in range(15)]
    engine = sa.create_engine(db_url)
    logins.metadata.create_all(engine, tables=[logins])
    with engine.begin() as conn:
        conn.execute(logins.insert(), [{"school_uid": "u", "building_id": "b", "ts": ts} for ts in stamps])
        got = conn.execute(sa.select(logins.c.ts, week_start(logins.c.ts)).order_by(logins.c.ts)).all()
    engine.dispose()
    assert [(ts, _as_date(week)) for ts, week in got] == [(ts, _monday(ts.date())) for ts in stamps]


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def test_reports_find_exactly_the_seeded_groups(db_url: str, district) -> None:
    manifest = build_demo_analytics(db_url, seed=3, as_of=AS_OF, state=district)
    assert manifest["never_logged_in"] and manifest["inactive_over_90"] and manifest["inactive_31_90"]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        idle_30 = {r.school_uid for r in conn.execute(inactive_users(AS_OF, 30))}
        idle_90 = conn.execute(inactive_users(AS_OF, 90)).all()
        weekly = conn.execute(logins_per_building_per_week(AS_OF - dt.timedelta(days=27), AS_OF)).all()
        summary = conn.execute(usage_summary(AS_OF, 30)).all()
        with_inactive = {r.school_uid for r in conn.execute(inactive_users(AS_OF, 90, active_only=False))}
    engine.dispose()
    assert idle_30 == set(manifest["never_logged_in"] + manifest["inactive_over_90"] + manifest["inactive_31_90"])
    assert {r.school_uid for r in idle_90} == set(manifest["never_logged_in"] + manifest["inactive_over_90"])
    assert [r.last_login is None for r in idle_90] == sorted((r.last_login is None for r in idle_90), reverse=True)
    assert with_inactive - {r.school_uid for r in idle_90} == set(manifest["deactivated"])

    rows = demo_analytics_rows(district, seed=3, as_of=AS_OF)
    first = AS_OF - dt.timedelta(days=27)
    expected = Counter(
        (row["building_id"], _monday(row["ts"].date())) for row in rows["logins"] if first <= row["ts"].date() <= AS_OF
    )
    assert {(r.building_id, _as_date(r.week)): r.logins for r in weekly} == dict(expected)
    active_per_building = Counter(u["building_id"] for u in rows["users"] if u["active"])
    assert {r.building_id: r.users for r in summary} == dict(active_per_building)
    assert all(r.active_users <= r.users and r.logins >= r.active_users for r in summary)


def test_demo_database_is_deterministic_and_rebuildable(tmp_path, district) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = build_demo_analytics(url, seed=3, as_of=AS_OF, state=district)
    again = build_demo_analytics(url, seed=3, as_of=AS_OF, state=district)  # drops and re-creates
    assert first == again
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM analytics_logins")).scalar() == first["logins"]
    engine.dispose()
    assert demo_analytics_rows(district, seed=4, as_of=AS_OF)["manifest"] != first


def test_queries_stream_through_read_sql(pg_url: str, district) -> None:
    from schoology_etl.io.sql import read_sql

    manifest = build_demo_analytics(pg_url, seed=3, as_of=AS_OF, state=district)
    source = read_sql(pg_url, inactive_users(AS_OF, 90))
    rows = list(source)
    assert {r["school_uid"] for r in rows} == set(manifest["never_logged_in"] + manifest["inactive_over_90"])
    assert set(rows[0]) == {"school_uid", "name_first", "name_last", "role_title", "building_id", "last_login"}
    weekly = read_sql(pg_url, logins_per_building_per_week(AS_OF - dt.timedelta(days=6), AS_OF)).head(100)
    logins = demo_analytics_rows(district, seed=3, as_of=AS_OF)["logins"]
    week_ago = AS_OF - dt.timedelta(days=6)
    assert sum(r["logins"] for r in weekly) == sum(week_ago <= r["ts"].date() <= AS_OF for r in logins)
