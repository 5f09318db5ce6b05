"""inactive_users_report: exactly the seeded inactive groups, with role and building from the API."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from papermill import PapermillExecutionError

from schoology_sandbox.analytics import demo_analytics_rows
from schoology_sandbox.seed import seed_district
from tests.fixtures.jobs import JOB_SEED, JOB_USERS


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def groups() -> dict:
    today = dt.date.today()
    return demo_analytics_rows(seed_district(JOB_SEED, JOB_USERS, today=today), seed=JOB_SEED, as_of=today)["manifest"]


def test_inactive_users_are_exactly_the_seeded_groups_with_api_roles_and_buildings(job_env, groups):
    state = job_env.state()
    run = job_env.run("inactive_users_report", days=30)
    rows = _rows(run.output("inactive_users.csv"))
    expected = groups["never_logged_in"] + groups["inactive_over_90"] + groups["inactive_31_90"]
    assert sorted(r["school_uid"] for r in rows) == sorted(expected)
    assert not set(groups["deactivated"]) & {r["school_uid"] for r in rows}
    users = {u["school_uid"]: u for u in state["users"].values()}
    names = {k: b["title"] for k, b in state["buildings"].items()}
    names[str(state["school"]["id"])] = state["school"]["title"]
    for row in rows:
        user = users[row["school_uid"]]
        assert row["role"] == state["roles"][str(user["role_id"])]["title"]
        assert row["building"] == names[str(user["building_id"])]
        never = row["school_uid"] in groups["never_logged_in"]
        assert (row["days_since_login"] == "") is never
        assert never or int(row["days_since_login"]) > 30


def test_inactive_users_over_90_days_and_role_filter(job_env, groups):
    state = job_env.state()
    student = next(k for k, r in state["roles"].items() if r["title"] == "Student")
    run = job_env.run("inactive_users_report", days=90, roles=[student])
    users = {u["school_uid"]: u for u in state["users"].values()}
    idle = groups["never_logged_in"] + groups["inactive_over_90"]
    expected = [u for u in idle if str(users[u]["role_id"]) == student]
    assert sorted(r["school_uid"] for r in _rows(run.output("inactive_users.csv"))) == sorted(expected)


def test_inactive_users_rejects_a_bad_day_count(job_env):
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("inactive_users_report", days=0)
    assert err.value.ename == "ConfigurationError" and "days must be at least 1" in err.value.evalue


def test_inactive_users_from_a_renamed_warehouse_of_one_district(job_env, groups):
    import json

    from tests.test_job_login_activity_report import _mapped_warehouse

    mapped = _mapped_warehouse(job_env)
    run = job_env.run("inactive_users_report", days=90, warehouse_map=json.dumps(mapped))
    expected = groups["never_logged_in"] + groups["inactive_over_90"]
    assert sorted(r["school_uid"] for r in _rows(run.output("inactive_users.csv"))) == sorted(expected)
    wrong = {**mapped, "columns": {**mapped["columns"], "users": {**mapped["columns"]["users"], "active": "enabled"}}}
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("inactive_users_report", warehouse_map=json.dumps(wrong))
    assert err.value.ename == "ConfigurationError"
    assert "table 'dim_people' has no column 'enabled' (for active)" in err.value.evalue
