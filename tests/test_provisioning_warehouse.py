"""Warehouse maps: the analytics queries on renamed tables and columns, with a district filter, on real databases."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.analytics.warehouse import DEFAULT_WAREHOUSE, WarehouseMap, check_warehouse, require_warehouse
from schoology_etl.provisioning.analytics.warehouse_queries import (
    inactive_users,
    logins_per_building_per_week,
    signed_in_users,
    usage_summary,
)
from schoology_sandbox.analytics import build_demo_analytics
from schoology_sandbox.seed import seed_district

AS_OF = dt.date(2026, 11, 27)

RENAMED = {
    "tables": {"users": "dim_people", "logins": "fact_signins", "activity": "fact_daily"},
    "columns": {
        "users": {"school_uid": "person_uid", "role_title": "role_name", "building_id": "school_id",
                  "name_first": "given_name", "name_last": "family_name", "active": "is_enabled"},
        "logins": {"school_uid": "person_uid", "building_id": "school_id", "ts": "signed_in_at"},
        "activity": {"school_uid": "person_uid", "day": "activity_date", "building_id": "school_id",
                     "events": "event_count", "minutes": "minutes_spent"},
    },
}


@pytest.fixture(scope="module")
def district():
    return seed_district(3, 60, today=AS_OF)


@pytest.fixture(params=["postgresql", "mariadb"])
def two_databases(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> tuple[str, str]:
    """Two fresh databases of one kind: today's layout in the first, a renamed one in the second."""
    return fresh_database(request.param), fresh_database(request.param)


def _reports(url: str, warehouse: WarehouseMap) -> dict[str, object]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        def rows(query: sa.Select) -> list[tuple]:
            return [tuple(r._mapping.items()) for r in conn.execute(query)]

        found = {
            "weekly": rows(logins_per_building_per_week(AS_OF - dt.timedelta(days=27), AS_OF, warehouse=warehouse)),
            "idle": rows(inactive_users(AS_OF, 30, warehouse=warehouse)),
            "idle_all": rows(inactive_users(AS_OF, 90, warehouse=warehouse, active_only=False)),
            "summary": rows(usage_summary(AS_OF, 30, warehouse=warehouse)),
            "signed_in": sorted(rows(signed_in_users(AS_OF - dt.timedelta(days=6), AS_OF, warehouse=warehouse))),
        }
    engine.dispose()
    return found


def _normal(found: dict[str, object]) -> str:
    return json.dumps(found, default=str, sort_keys=True)


def test_a_renamed_layout_with_a_district_filter_reports_what_todays_layout_does(two_databases, district) -> None:
    plain_url, renamed_url = two_databases
    mapped = WarehouseMap.from_dict({**RENAMED, "district": {"column": "tenant", "value": 7}})
    build_demo_analytics(plain_url, seed=3, as_of=AS_OF, state=district)
    build_demo_analytics(renamed_url, seed=3, as_of=AS_OF, state=district, warehouse=mapped)
    assert check_warehouse(renamed_url, mapped) == []

    expected = _reports(plain_url, DEFAULT_WAREHOUSE)
    assert expected["weekly"] and expected["idle"] and expected["summary"] and expected["signed_in"]
    assert _normal(_reports(renamed_url, mapped)) == _normal(expected)
    # the second district's rows are there: without the filter every count differs
    unfiltered = WarehouseMap.from_dict(RENAMED)
    assert _normal(_reports(renamed_url, unfiltered)) != _normal(expected)
    assert any(r[0][1].startswith("D2-") for r in _reports(renamed_url, unfiltered)["idle"])


def test_the_building_filter_is_a_parameter(pg_url: str, district) -> None:
    build_demo_analytics(pg_url, seed=3, as_of=AS_OF, state=district)
    engine = sa.create_engine(pg_url)
    start = AS_OF - dt.timedelta(days=27)
    with engine.connect() as conn:
        every = conn.execute(logins_per_building_per_week(start, AS_OF)).all()
        one = sorted({r.building_id for r in every})[0]
        only = conn.execute(logins_per_building_per_week(start, AS_OF, buildings=[int(one)])).all()
    engine.dispose()
    assert only and only == [r for r in every if r.building_id == one]


def test_a_warehouse_without_an_active_column_counts_everyone(pg_url: str, district) -> None:
    no_active = WarehouseMap.from_dict({"columns": {"users": {"active": None}}})
    manifest = build_demo_analytics(pg_url, seed=3, as_of=AS_OF, state=district, warehouse=no_active)
    assert check_warehouse(pg_url, no_active) == []
    assert check_warehouse(pg_url, DEFAULT_WAREHOUSE) == ["users: table 'analytics_users' has no column 'active' "
                                                          "(for active)"]
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        idle = {r.school_uid for r in conn.execute(inactive_users(AS_OF, 90, warehouse=no_active))}
        users = sum(r.users for r in conn.execute(usage_summary(AS_OF, 30, warehouse=no_active)))
    engine.dispose()
    assert set(manifest["deactivated"]) <= idle
    assert users == manifest["users"]


@pytest.mark.parametrize("kind", ["sqlite", "mariadb"])
def test_check_warehouse_names_each_missing_table_and_column(kind: str, fresh_database, district) -> None:
    url = fresh_database(kind)
    build_demo_analytics(url, seed=3, as_of=AS_OF, state=district)
    wrong = WarehouseMap.from_dict({
        "tables": {"activity": "analytics_activty"},
        "columns": {"logins": {"ts": "login_at"}, "users": {"role_title": "ROLE_TITLE"}},
        "district": {"column": "district_id", "value": "12"},
    })
    problems = check_warehouse(url, wrong)
    assert problems == [
        "users: table 'analytics_users' has no column 'ROLE_TITLE' (for role_title); did you mean 'role_title'?",
        "users: table 'analytics_users' has no column 'district_id' (for district filter)",
        "logins: table 'analytics_logins' has no column 'login_at' (for ts)",
        "logins: table 'analytics_logins' has no column 'district_id' (for district filter)",
        "activity: no table 'analytics_activty'; did you mean 'analytics_activity'?",
    ]
    with pytest.raises(ConfigurationError, match="login_at"):
        require_warehouse(url, wrong)
    require_warehouse(url, DEFAULT_WAREHOUSE)


@pytest.mark.parametrize(("data", "message"), [
    ({"tables": {"sessions": "x"}}, "unknown table 'sessions'"),
    ({"columns": {"logins": {"when": "x"}}}, "columns.logins: unknown field 'when'"),
    ({"columns": {"logins": {"ts": None}}}, "columns.logins.ts is required"),
    ({"columns": {"logins": {"ts": "building_id"}}}, "several fields read column(s) 'building_id'"),
    ({"district": {"column": "d"}}, "district needs exactly 'column' and 'value'"),
    ({"district": {"column": "d", "value": [1]}}, "district.value must be"),
    ({"tables": {"users": ""}}, "tables.users must be a non-empty name"),
    ({"filter": {}}, "unknown key(s) 'filter'"),
])
def test_a_bad_map_is_refused_naming_the_field(data: dict, message: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        WarehouseMap.from_dict(data)
    assert message in str(err.value)


def test_parse_takes_nothing_json_text_or_a_file(tmp_path) -> None:
    assert WarehouseMap.parse(None) is DEFAULT_WAREHOUSE and WarehouseMap.parse("  ") is DEFAULT_WAREHOUSE
    text = json.dumps(RENAMED)
    path = tmp_path / "map.json"
    path.write_text(text)
    assert WarehouseMap.parse(text) == WarehouseMap.parse(str(path)) == WarehouseMap.from_dict(RENAMED)
    full = WarehouseMap.parse(text).to_dict()
    assert full["columns"]["logins"] == {"school_uid": "person_uid", "building_id": "school_id", "ts": "signed_in_at"}
    assert WarehouseMap.from_dict(full) == WarehouseMap.from_dict(RENAMED)
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        WarehouseMap.parse("{nope")
    with pytest.raises(ConfigurationError, match="neither a JSON map nor a file"):
        WarehouseMap.parse(str(tmp_path / "absent.json"))
