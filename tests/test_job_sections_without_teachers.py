"""sections_without_teachers: exactly the seeded active sections with no teacher, by building, and the teacher with no section."""

from __future__ import annotations

import csv
import datetime as dt


def test_finds_the_seeded_sections(job_env):
    state = job_env.state()
    taught = {e["realm_id"] for e in state["enrollments"].values() if e["realm"] == "section" and e["admin"] and e["status"] == 1}
    expected = {s["section_school_code"]: s for s in state["sections"].values() if s["active"] and s["id"] not in taught}
    assert expected, "every 7th section of a building has no teacher"

    run = job_env.run("sections_without_teachers")
    with open(run.output("sections_without_teachers.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["section_school_code"] for r in rows} == set(expected)
    names = {str(k): b["title"] for k, b in state["buildings"].items()}
    for r in rows:
        section = expected[r["section_school_code"]]
        assert r["building"] == names[str(section["building_id"])]
        students = sum(1 for e in state["enrollments"].values() if e["realm"] == "section" and e["realm_id"] == section["id"])
        assert int(r["students"]) == students
    assert "image/png" in str([o.get("data", {}).keys() for c in run.notebook.cells for o in c.get("outputs", [])])


def test_finds_the_seeded_teacher_without_sections(job_env):
    state = job_env.state()
    teacher = next(k for k, r in state["roles"].items() if r["title"] == "Teacher")
    today = dt.date.today().isoformat()
    ended = {int(k) for k, p in state["grading_periods"].items() if p["end"] < today}
    # the API lists a section (without include_past) unless every one of its periods ended
    listed = {s["id"] for s in state["sections"].values() if not (s["grading_periods"] and set(s["grading_periods"]) <= ended)}
    teaching = {e["uid"] for e in state["enrollments"].values()
                if e["realm"] == "section" and e["admin"] and e["status"] == 1 and e["realm_id"] in listed}
    idle = {u["school_uid"] for u in state["users"].values() if str(u["role_id"]) == str(teacher) and u["uid"] not in teaching}
    new_hire = next(u for u in state["users"].values() if u["name_last"] == "Ashdown")
    assert new_hire["school_uid"] in idle, "the seeded new hire at Cedar Ridge teaches no section"

    run = job_env.run("sections_without_teachers")
    with open(run.output("teachers_without_sections.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["school_uid"] for r in rows} == idle and len(rows) == len(idle)
    assert ("Cedar Ridge Middle School", "Ashdown", "Teacher") in {(r["building"], r["name_last"], r["role"]) for r in rows}

    other = sorted(k for k in state["buildings"] if int(k) != new_hire["building_id"])[0]
    in_other = {u["school_uid"] for u in state["users"].values() if str(u["building_id"]) == str(other)} & idle
    with open(job_env.run("sections_without_teachers", buildings=[other]).output("teachers_without_sections.csv"), newline="") as fh:
        assert {r["school_uid"] for r in csv.DictReader(fh)} == in_other
