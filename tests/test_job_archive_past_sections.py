"""archive_past_sections: exactly the seeded past-only sections; deactivate, then delete; current sections untouched."""

from __future__ import annotations

import datetime as dt


def _past(state, today):
    ends = {str(k): dt.date.fromisoformat(p["end"]) for k, p in state["grading_periods"].items()}
    return {
        s["section_school_code"]
        for s in state["sections"].values()
        if s["grading_periods"] and all(ends[str(g)] < today for g in s["grading_periods"])
    }


def test_deactivate_then_delete(job_env):
    start = job_env.state()
    past = _past(start, dt.date.today())
    active_past = {s["section_school_code"] for s in start["sections"].values() if s["section_school_code"] in past and s["active"]}
    assert past and all("-P" in code for code in past), "the seeded past sections"
    assert active_past and active_past != past, "some past sections are still active, some not"
    code_of = {str(k): s["section_school_code"] for k, s in start["sections"].items()}

    run = job_env.run("archive_past_sections", apply=True)
    changes = list(run.plan)
    assert {code_of[c.key["section_id"]] for c in changes} == active_past
    assert all(c.op == "update" and c.after == {"active": 0} for c in changes)
    state = job_env.state()
    assert {s["section_school_code"] for s in state["sections"].values() if not s["active"]} == past
    current = {k: s for k, s in start["sections"].items() if s["section_school_code"] not in past}
    assert {k: state["sections"][k] for k in current} == current

    job_env.run("archive_past_sections", action="delete", apply=True)
    state = job_env.state()
    assert {s["section_school_code"] for s in state["sections"].values()} == {s["section_school_code"] for s in current.values()}
    assert not [e for e in state["enrollments"].values() if e["realm"] == "section" and str(e["realm_id"]) not in current]


def test_as_of_a_day_before_any_period_ends_finds_nothing(job_env):
    first_end = min(dt.date.fromisoformat(p["end"]) for p in job_env.state()["grading_periods"].values())
    assert len(job_env.run("archive_past_sections", today=first_end.isoformat()).plan) == 0
