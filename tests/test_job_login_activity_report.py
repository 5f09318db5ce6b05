"""login_activity_report: logins per building per week, on the demo SQLite warehouse and on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections import defaultdict

import pytest
from papermill import PapermillExecutionError

from schoology_sandbox.analytics import build_demo_analytics
from tests.fixtures.jobs import JOB_SEED, JOB_USERS


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _expected(db, weeks: int, building: str | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """(building_id, Monday) -> (logins, distinct users), computed straight from the logins table."""
    end = dt.date.today()
    start = end - dt.timedelta(days=end.weekday(), weeks=weeks - 1)
    logins: dict[tuple[str, str], list[str]] = defaultdict(list)
    with sqlite3.connect(db) as conn:
        for uid, bid, ts in conn.execute("SELECT school_uid, building_id, ts FROM analytics_logins"):
            day = dt.datetime.fromisoformat(ts).date()
            if start <= day <= end and (building is None or bid == building):
                logins[(bid, str(day - dt.timedelta(days=day.weekday())))].append(uid)
    return {k: (len(v), len(set(v))) for k, v in logins.items()}


def _got(path) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r["building_id"], r["week"]): (int(r["logins"]), int(r["users"])) for r in _rows(path)}


def test_login_activity_counts_match_the_warehouse_and_filter_by_building(job_env):
    db = job_env.demo_dir / "analytics.db"
    building = sorted({b for b, _ in _expected(db, 4)})[0]
    run = job_env.run("login_activity_report", weeks=4, buildings=[building])
    rows = _rows(run.output("login_activity.csv"))
    assert _got(run.output("login_activity.csv")) == _expected(db, 4, building)
    state = job_env.state()
    names = {k: b["title"] for k, b in state["buildings"].items()}
    names[str(state["school"]["id"])] = state["school"]["title"]
    assert {r["building"] for r in rows} == {names[building]}
    assert run.output("login_activity.png").stat().st_size > 0
    assert len({r["week"] for r in rows}) <= 4


def test_login_activity_on_postgresql_gives_the_same_report(job_env, pg_url):
    build_demo_analytics(pg_url, seed=JOB_SEED, users=JOB_USERS, as_of=dt.date.today())
    job_env.monkeypatch.setenv("TOOLBELT_CLIENT_SANDBOX_SQL_URL", pg_url)
    run = job_env.run("login_activity_report", weeks=12)
    expected = _expected(job_env.demo_dir / "analytics.db", 12)
    assert expected and _got(run.output("login_activity.csv")) == expected


def test_login_activity_rejects_an_unknown_building(job_env):
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("login_activity_report", buildings=["999999"])
    assert err.value.ename == "ConfigurationError" and "999999" in err.value.evalue


def _mapped_warehouse(job_env):
    """The demo warehouse again, laid out as RENAMED with a second district, and the map that reads it."""
    from schoology_etl.provisioning.analytics.warehouse import WarehouseMap
    from tests.test_provisioning_warehouse import RENAMED

    mapped = {**RENAMED, "district": {"column": "tenant", "value": "north"}}
    path = job_env.demo_dir / "mapped.db"
    build_demo_analytics(f"sqlite:///{path}", seed=JOB_SEED, users=JOB_USERS, warehouse=WarehouseMap.from_dict(mapped))
    job_env.monkeypatch.setenv("TOOLBELT_CLIENT_SANDBOX_SQL_URL", f"sqlite:///{path}")
    return mapped


def test_login_activity_reads_a_renamed_warehouse_of_one_district_through_its_map(job_env):
    import json

    mapped = _mapped_warehouse(job_env)
    db = job_env.demo_dir / "analytics.db"
    building = sorted({b for b, _ in _expected(db, 4)})[0]
    run = job_env.run("login_activity_report", weeks=4, buildings=[building], warehouse_map=json.dumps(mapped))
    assert _got(run.output("login_activity.csv")) == _expected(db, 4, building)
    with pytest.raises(PapermillExecutionError) as err:  # without the map: today's tables are not there
        job_env.run("login_activity_report", weeks=4)
    assert err.value.ename == "ConfigurationError" and "no table 'analytics_logins'" in err.value.evalue
