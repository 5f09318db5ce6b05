"""archive_past_sections: exactly the seeded past-only sections; report (no write), then delete; current sections untouched."""

from __future__ import annotations

import datetime as dt


def _past(state, today):
    ends = {str(k): dt.date.fromisoformat(p["end"]) for k, p in state["grading_periods"].items()}
    return {
        s["section_school_code"]
        for s in state["sections"].values()
        if s["grading_periods"] and all(ends[str(g)] < today for g in s["grading_periods"])
    }


def test_report_then_delete(job_env):
    start = job_env.state()
    past = _past(start, dt.date.today())
    assert past and all("-P" in code for code in past), "the seeded past sections"
    code_of = {str(k): s["section_school_code"] for k, s in start["sections"].items()}

    report = job_env.run("archive_past_sections", apply=True)  # default action: report, nothing written
    assert len(report.plan) == 0 and job_env.state()["sections"] == start["sections"]
    assert f"{len(past)} of {len(start['sections'])} sections are past" in report.text()

    run = job_env.run("archive_past_sections", action="delete", apply=True)
    changes = list(run.plan)
    assert {code_of[c.key["section_id"]] for c in changes} == past and {c.op for c in changes} == {"delete"}
    state = job_env.state()
    current = {k: s for k, s in start["sections"].items() if s["section_school_code"] not in past}
    assert {s["section_school_code"] for s in state["sections"].values()} == {s["section_school_code"] for s in current.values()}
    assert {k: state["sections"][k] for k in current} == current
    assert not [e for e in state["enrollments"].values() if e["realm"] == "section" and str(e["realm_id"]) not in current]


def test_as_of_a_day_before_any_period_ends_finds_nothing(job_env):
    first_end = min(dt.date.fromisoformat(p["end"]) for p in job_env.state()["grading_periods"].values())
    assert len(job_env.run("archive_past_sections", today=first_end.isoformat()).plan) == 0
