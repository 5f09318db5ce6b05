"""import_enrollments: the plan holds exactly the demo file's enrolls and drops; apply; undo restores."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _section_enrollments(state):
    """{(section_school_code, school_uid): admin} for every section enrollment."""
    codes = {str(k): s["section_school_code"] for k, s in state["sections"].items()}
    people = {**state["users"], **state.get("inactive_users", {})}
    return {
        (codes[str(e["realm_id"])], people[str(e["uid"])]["school_uid"]): (e["admin"], e["status"])
        for e in state["enrollments"].values()
        if e["realm"] == "section"
    }


def test_plan_apply_and_undo(job_env):
    known = job_env.manifest["files"]["enrollments.csv"]
    start = job_env.state()
    before = _section_enrollments(start)

    run = job_env.run("import_enrollments")
    changes = list(run.plan)
    links = {(c.key["section_school_code"], c.key["school_uid"]): c for c in changes if c.op == "link"}
    unlinks = {(c.key["section_school_code"], c.key["school_uid"]): c for c in changes if c.op == "unlink"}
    assert set(links) == {(code, uid) for code, uid, _ in known["enroll"]}
    assert set(unlinks) == {(code, uid) for code, uid, _ in known["drop"]}
    assert len(changes) == len(links) + len(unlinks)
    for code, uid, role in known["enroll"]:
        assert links[(code, uid)].after == {"admin": "1" if role == "teacher" else "0"}
        assert links[(code, uid)].realm == "section_enrollments"
    for key, change in unlinks.items():
        assert change.before == {"admin": "0", "status": "1"} and before[key] == (0, 1)
    assert job_env.state()["version"] == start["version"], "planning writes nothing"

    applied = job_env.run("import_enrollments", apply=True)
    after = _section_enrollments(job_env.state())
    for code, uid, role in known["enroll"]:
        assert after[(code, uid)][0] == (1 if role == "teacher" else 0)
    for key in unlinks:
        assert key not in after
    assert {k: v for k, v in after.items() if k not in links} == {k: v for k, v in before.items() if k not in unlinks}

    journal = applied.plan_path.with_name("plan.jsonl.journal.jsonl")
    undo = se.undo_plan(journal, applied.output_dir / "undo.jsonl")
    assert undo.cannot_undo == [] and len(undo.plan) == len(changes)
    report = undo.plan.apply(se.connect("sandbox"))
    assert report.applied == len(changes) and report.failed == 0
    assert _section_enrollments(job_env.state()) == before


def _fails(job_env, tmp_path, text, **params):
    path = tmp_path / "enrollments.csv"
    path.write_text(text)
    with pytest.raises(papermill.PapermillExecutionError) as err:
        job_env.run("import_enrollments", enrollments_csv=str(path), **params)
    return err.value


def test_bad_files_are_named(job_env, tmp_path):
    state = job_env.state()
    code = next(s["section_school_code"] for s in state["sections"].values() if s["active"])
    student = next(u["school_uid"] for u in state["users"].values() if u["school_uid"].startswith("S"))

    err = _fails(job_env, tmp_path, f"section_school_code,school_uid,role\n{code},{student},student\nMHS-NOPE-01,{student},student\n")
    assert err.ename == "RecordError" and "line 3" in err.evalue and "MHS-NOPE-01" in err.evalue

    section = next(s for s in state["sections"].values() if s["active"])  # Schoology's layout: Course Code + Section Code
    course = state["courses"][str(section["course_id"])]["course_code"]
    err = _fails(job_env, tmp_path, "Course Code,Section Code,User Unique ID,Enrollment Type\n"
                 f"{course},{section['section_code']},{student},2\n{course},ZZ,{student},2\n")
    assert err.ename == "RecordError" and "line 3: column 'section_code'" in err.evalue
    assert f"course {course!r} has no section with section code 'ZZ'" in err.evalue

    err = _fails(job_env, tmp_path, "section_school_code,school_uid,role\n")
    assert "no enrollment rows" in err.evalue
    assert job_env.state()["version"] == state["version"]
