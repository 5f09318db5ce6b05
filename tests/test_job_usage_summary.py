"""usage_summary: per-building counts checked against the sandbox state and the warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections import Counter

import pytest
from papermill import PapermillExecutionError


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_usage_summary_counts_match_the_district_and_the_warehouse(job_env):
    state = job_env.state()
    run = job_env.run("usage_summary", days=7)
    summary = {r["building_id"]: r for r in _rows(run.output("usage_summary.csv"))}

    users = Counter(str(u["building_id"]) for u in state["users"].values())
    assert {b: int(r["users"]) for b, r in summary.items() if int(r["users"])} == dict(users)

    current = {k: s for k, s in state["sections"].items() if s.get("active", 1)}
    sections = Counter(str(s["building_id"]) for s in current.values())
    assert {b: int(r["sections"]) for b, r in summary.items() if int(r["sections"])} == dict(sections)

    students = Counter(str(e["realm_id"]) for e in state["enrollments"].values()
                       if e["realm"] == "section" and str(e["realm_id"]) in current and not e["admin"] and e["status"] == 1)
    sizes = {r["section_id"]: int(r["students"]) for r in _rows(run.output("section_sizes.csv"))}
    assert sizes == {k: students.get(k, 0) for k in current}

    since = dt.date.today() - dt.timedelta(days=6)
    with sqlite3.connect(job_env.demo_dir / "analytics.db") as conn:
        logins = Counter(b for b, ts in conn.execute("SELECT building_id, ts FROM analytics_logins")
                         if dt.datetime.fromisoformat(ts).date() >= since)
    assert {b: int(r["logins"]) for b, r in summary.items() if int(r["logins"])} == dict(logins)

    by_role = _rows(run.output("users_by_role.csv"))
    assert sum(int(r["users"]) for r in by_role) == len(state["users"])
    assert run.output("usage_summary.png").stat().st_size > 0


def test_usage_summary_rejects_a_bad_window(job_env):
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("usage_summary", days=-3)
    assert err.value.ename == "ConfigurationError" and "-3" in err.value.evalue
