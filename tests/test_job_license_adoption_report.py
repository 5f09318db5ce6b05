"""license_adoption_report: accounts by role and building from the sandbox, sign-ins from the demo warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections import Counter

import pytest
from papermill import PapermillExecutionError


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _signed_in(db, days: int) -> set[str]:
    since = dt.date.today() - dt.timedelta(days=days - 1)
    with sqlite3.connect(db) as conn:
        return {uid for uid, ts in conn.execute("SELECT school_uid, ts FROM analytics_logins")
                if dt.datetime.fromisoformat(ts).date() >= since}


def _expected(state, signed: set[str]):
    titles = {k: r["title"] for k, r in state["roles"].items()}
    accounts, adopted = Counter(), Counter()
    for user in state["users"].values():
        key = (str(user["building_id"]), titles[str(user["role_id"])])
        accounts[key] += 1
        adopted[key] += user["school_uid"] in signed
    return accounts, adopted


def test_accounts_and_adoption_match_the_district_and_the_warehouse(job_env, tmp_path):
    state = job_env.state()
    seats = tmp_path / "seats.csv"
    seats.write_text("role,seats\nteacher,3\n", encoding="utf-8")
    run = job_env.run("license_adoption_report", days=7, licensed_seats="Student=50, Parent=500",
                      seats_file=str(seats))
    accounts, adopted = _expected(state, _signed_in(job_env.demo_dir / "analytics.db", 7))
    assert sum(adopted.values()) and sum(adopted.values()) < sum(accounts.values())

    by_building = _rows(run.output("adoption_by_building.csv"))
    assert {(r["building_id"], r["role"]): (int(r["accounts"]), int(r["signed_in"])) for r in by_building} == {
        k: (n, adopted[k]) for k, n in accounts.items()}
    names = {k: b["title"] for k, b in state["buildings"].items()}
    names[str(state["school"]["id"])] = state["school"]["title"]
    assert all(r["building"] == names[r["building_id"]] for r in by_building)

    by_role = {r["role"]: r for r in _rows(run.output("license_adoption.csv"))}
    role_accounts, role_adopted = Counter(), Counter()
    for (_, role), n in accounts.items():
        role_accounts[role] += n
        role_adopted[role] += adopted[(_, role)]
    assert {r: (int(v["accounts"]), int(v["signed_in"])) for r, v in by_role.items()} == {
        r: (n, role_adopted[r]) for r, n in role_accounts.items()}
    students = by_role["Student"]
    assert int(students["licensed"]) == 50
    assert int(students["over_license"]) == max(role_accounts["Student"] - 50, 0) > 0  # 60 seeded students and more
    assert float(students["adoption"]) == round(role_adopted["Student"] / role_accounts["Student"], 3)
    assert (by_role["Teacher"]["licensed"], by_role["Parent"]["licensed"]) == ("3", "500")
    unlicensed = set(by_role) - {"Student", "Teacher", "Parent"}
    assert unlicensed and all(by_role[r]["licensed"] == by_role[r]["over_license"] == "" for r in unlicensed)
    assert run.output("license_adoption.png").stat().st_size > 0


def test_adoption_through_a_warehouse_map_of_one_district(job_env):
    from tests.test_job_login_activity_report import _mapped_warehouse

    state = job_env.state()
    expected_signed = _signed_in(job_env.demo_dir / "analytics.db", 30)
    mapped = _mapped_warehouse(job_env)
    run = job_env.run("license_adoption_report", warehouse_map=json.dumps(mapped))
    accounts, adopted = _expected(state, expected_signed)
    got = {(r["building_id"], r["role"]): int(r["signed_in"]) for r in _rows(run.output("adoption_by_building.csv"))}
    assert got == {k: adopted[k] for k in accounts}


def test_an_unknown_role_in_the_seats_is_refused(job_env):
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("license_adoption_report", licensed_seats="Studnet=10")
    assert err.value.ename == "ConfigurationError" and "unknown role 'Studnet'" in err.value.evalue
