"""export_enrollments: every section enrollment, or those of one building or grading period, as CSV."""

from __future__ import annotations

import csv

import papermill
import pytest


def _expected(state, *, building=None, period=None):
    people = {**state["users"], **state["inactive_users"]}
    out = set()
    for e in state["enrollments"].values():
        if e["realm"] != "section":
            continue
        s = state["sections"][str(e["realm_id"])]
        if building and str(s["building_id"]) != building or period and int(period) not in s["grading_periods"]:
            continue
        out.add((s["section_school_code"], people[str(e["uid"])]["school_uid"], "teacher" if e["admin"] else "student", str(e["status"])))
    return out


def _rows(run, name="enrollments.csv"):
    with open(run.output(name), newline="") as fh:
        return list(csv.DictReader(fh))


def test_all_then_one_building_and_one_period(job_env):
    state = job_env.state()
    rows = _rows(job_env.run("export_enrollments"))
    assert {(r["section_school_code"], r["school_uid"], r["role"], r["status"]) for r in rows} == _expected(state)
    assert len(rows) == len(_expected(state))
    courses = {c["course_code"] for c in state["courses"].values()}
    assert all(r["course_code"] in courses and r["course_code"] in r["section_school_code"] and r["name_last"] for r in rows)

    period = next(k for k, p in state["grading_periods"].items() if p["title"].startswith("Term 2"))
    building = sorted(str(s["building_id"]) for s in state["sections"].values() if int(period) in s["grading_periods"])[-1]
    run = job_env.run("export_enrollments", buildings=[building], grading_periods=[period], output_name="some.csv")
    got = {(r["section_school_code"], r["school_uid"], r["role"], r["status"]) for r in _rows(run, "some.csv")}
    assert got and got == _expected(state, building=building) & _expected(state, period=period)


def test_unknown_building_is_named(job_env):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        job_env.run("export_enrollments", buildings=["999"])
    assert err.value.ename == "ConfigurationError" and "999" in err.value.evalue
