"""A section created nested in its course is judged by its own row, on the real sandbox."""

from __future__ import annotations

from schoology_etl.plans import Change, PlanWriter, apply_plan
from schoology_etl.plans.model import CREATE
from tests.test_plans_sandbox import client_for


def _section_plan(tmp_path, course, periods, sections):
    with PlanWriter(tmp_path / "plan.jsonl") as writer:
        for i, extra in enumerate(sections, start=1):
            after = {"course_code": course["course_code"], "course_title": course["title"],
                     "building_id": course["building_id"], "grading_periods": periods, **extra}
            writer.write(Change(i, CREATE, "sections", {"section_school_code": extra.get("section_school_code", f"X{i}")},
                                None, {}, after))
    return writer.close()


def test_a_refused_nested_section_is_a_failure_and_the_good_one_is_created(sandbox, tmp_path):
    state = sandbox.state()
    course = next(iter(state["courses"].values()))
    periods = [int(next(iter(state["grading_periods"])))]
    plan = _section_plan(tmp_path, course, periods, [
        {"section_school_code": "NEW-OK-1", "title": "New section"},
        {"section_school_code": "NEW-BAD-2"},  # no title: the API refuses the section, not the course
    ])
    with client_for(sandbox) as client:
        report = apply_plan(plan, client)
    assert (report.applied, report.failed) == (1, 1)
    failure = report.failures[0]
    assert "title" in str(failure).lower()
    codes = {s["section_school_code"] for s in sandbox.state()["sections"].values()}
    assert "NEW-OK-1" in codes and "NEW-BAD-2" not in codes
