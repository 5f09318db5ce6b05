"""import_courses_sections: the plan holds exactly the demo file's new courses, new sections and updates; apply."""

from __future__ import annotations

import papermill
import pytest


def _sections(state):
    """{section_school_code: (course_code, section_title, sorted grading period titles)}."""
    titles = {str(k): p["title"] for k, p in state["grading_periods"].items()}
    courses = {str(k): c["course_code"] for k, c in state["courses"].items()}
    return {
        s["section_school_code"]: (courses[str(s["course_id"])], s["section_title"], sorted(titles[str(g)] for g in s["grading_periods"]))
        for s in state["sections"].values()
    }


def test_plan_and_apply(job_env):
    known = job_env.manifest["files"]["courses_sections.csv"]
    start = job_env.state()
    titles = {str(k): p["title"] for k, p in start["grading_periods"].items()}

    changes = list(job_env.run("import_courses_sections").plan)
    by_kind = {}
    for c in changes:
        by_kind.setdefault((c.realm, c.op), []).append(c)
    assert set(by_kind) <= {("courses", "create"), ("sections", "create"), ("sections", "update")}
    assert [c.key["course_code"] for c in by_kind[("courses", "create")]] == known["new_courses"]
    assert sorted(c.key["section_school_code"] for c in by_kind[("sections", "create")]) == sorted(known["new_sections"])
    updates = {c.key["section_school_code"]: c for c in by_kind[("sections", "update")]}
    assert set(updates) == set(known["updates"])
    for code, fields in known["updates"].items():
        change = updates[code]
        assert set(change.after) == set(fields)
        for field, values in fields.items():
            shown = (lambda v: ";".join(titles[str(i)] for i in v)) if field == "grading_periods" else (lambda v: v)
            assert shown(change.before[field]) == values["before"] and shown(change.after[field]) == values["after"]
    assert job_env.state()["version"] == start["version"], "planning writes nothing"

    job_env.run("import_courses_sections", apply=True)
    state = job_env.state()
    now, was = _sections(state), _sections(start)
    assert {c["course_code"] for c in state["courses"].values()} - {c["course_code"] for c in start["courses"].values()} == set(known["new_courses"])
    assert set(now) - set(was) == set(known["new_sections"])
    for code, fields in known["updates"].items():
        if "section_title" in fields:
            assert now[code][1] == fields["section_title"]["after"]
        if "grading_periods" in fields:
            assert now[code][2] == [fields["grading_periods"]["after"]]
    untouched = set(was) - set(known["updates"])
    assert {k: now[k] for k in untouched} == {k: was[k] for k in untouched}
    assert len(job_env.run("import_courses_sections").plan) == 0, "re-planning after apply finds nothing to do"


def test_invalid_file_names_every_problem(job_env):
    version = job_env.state()["version"]
    with pytest.raises(papermill.PapermillExecutionError) as err:
        job_env.run("import_courses_sections", courses_csv=str(job_env.demo_file("invalid/courses_sections_invalid.csv")))
    assert "line 3" in err.value.evalue and "Term 9 1999-2000" in err.value.evalue and "2 more" in err.value.evalue
    assert job_env.state()["version"] == version
