"""grading_period_audit: exactly the seeded overlap and gap, per building calendar, and the listed
sections on no current period (past ones are not listed).

The middle school runs on trimesters and Maplewood High on semesters beside the district
terms: read as one calendar they "overlap" and leave "gaps"; per building they do not.
"""

from __future__ import annotations

import csv
import datetime as dt


def test_finds_the_seeded_overlap_gap_and_sections(job_env):
    state = job_env.state()
    periods = {p["title"]: p for p in state["grading_periods"].values()}
    term1, term2, term3 = (next(p for t, p in periods.items() if t.startswith(f"Term {n}")) for n in (1, 2, 3))
    today = dt.date.today()
    current = {int(k) for k, p in state["grading_periods"].items() if p["start"] <= today.isoformat() <= p["end"]}
    ended = {int(k) for k, p in state["grading_periods"].items() if p["end"] < today.isoformat()}
    # the API lists a section (without include_past) unless every one of its periods ended
    listed = [s for s in state["sections"].values() if not (s["grading_periods"] and set(s["grading_periods"]) <= ended)]
    off = {s["section_school_code"] for s in listed if not current & set(s["grading_periods"])}

    run = job_env.run("grading_period_audit")
    with open(run.output("grading_period_audit.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    overlaps = [r for r in rows if r["kind"] == "overlap"]
    gaps = [r for r in rows if r["kind"] == "gap"]
    on_terms = "Lakeside Elementary School; Northgate Academy"  # the buildings whose sections run on the district terms
    assert any(t.startswith("Trimester") for t in periods) and any(t.startswith("Semester") for t in periods)
    assert [(r["periods"], r["buildings"], r["start"], r["end"]) for r in overlaps] == [
        (f"{term1['title']}; {term2['title']}", on_terms, term2["start"], term1["end"])]
    day = dt.timedelta(days=1)
    assert [(r["periods"], r["buildings"], r["start"], r["end"], r["days"]) for r in gaps] == [
        (f"{term2['title']}; {term3['title']}", on_terms, (dt.date.fromisoformat(term2["end"]) + day).isoformat(),
         (dt.date.fromisoformat(term3["start"]) - day).isoformat(), "4")]
    assert {r["section_school_code"] for r in rows if r["kind"] == "section_no_current_period"} == off
    assert {r["kind"] for r in rows} == {"overlap", "gap"} | ({"section_no_current_period"} if off else set())
    assert "image/png" in str([o.get("data", {}).keys() for c in run.notebook.cells for o in c.get("outputs", [])])
