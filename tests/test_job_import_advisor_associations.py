"""import_advisor_associations: every row of the file planned (advisor links cannot be read), apply, undo; the
max_unlinks guard; bad rows named by file line."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _pairs(state):
    school_uid = {uid: u["school_uid"] for uid, u in state["users"].items()}
    return {(school_uid[str(link["student_uid"])], school_uid[str(link["advisor_uid"])])
            for link in state["advisor_links"]}


def test_plan_is_the_file_then_apply_and_undo(job_env):
    start = _pairs(job_env.state())
    known = job_env.manifest["files"]["advisors.csv"]
    link, unlink = {tuple(p) for p in known["link"]}, {tuple(p) for p in known["unlink"]}
    assert len(link) == 3 and len(unlink) == 1 and unlink <= start and not link & start

    run = job_env.run("import_advisor_associations", apply=True)
    plan = list(run.plan)
    assert {(c.key["student_school_uid"], c.key["advisor_school_uid"]) for c in plan if c.op == "link"} == link
    assert {(c.key["student_school_uid"], c.key["advisor_school_uid"]) for c in plan if c.op == "unlink"} == unlink
    assert len(plan) == 4 and {c.realm for c in plan} == {"advisor_associations"}
    assert all(", advisor of " in c.names["object"] for c in plan)
    assert _pairs(job_env.state()) == (start | link) - unlink

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert undo.plan.apply(se.connect("sandbox")).applied == len(plan)
    assert _pairs(job_env.state()) == start


def test_max_unlinks_guard_refuses_before_any_plan(job_env):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("import_advisor_associations", max_unlinks=0)
    assert "1 advisor links would be removed, above max_unlinks (0)" in info.value.evalue
    assert not (job_env.work_dir / "run-1" / "plan.jsonl").exists()
    assert job_env.run("import_advisor_associations", max_unlinks=1).plan_path is not None


def test_unknown_school_uid_repeated_pair_and_action_are_named(job_env, tmp_path):
    teacher = job_env.manifest["files"]["advisors.csv"]["link"][0][1]
    student = job_env.manifest["files"]["advisors.csv"]["link"][0][0]
    bad = tmp_path / "advisors.csv"
    header = "student_school_uid,advisor_school_uid,action\n"
    cases = [
        (f"{student},{teacher},link\n{student},T999999,link\n", "advisors.csv, line 3", "'T999999'"),
        (f"{student},{teacher},link\n{student},{teacher},unlink\n", "line 3", "already on line 2"),
        (f"{student},{teacher},remove\n", "line 2", "'remove' is not one of link, unlink"),
    ]
    for body, where, what in cases:
        bad.write_text(header + body)
        with pytest.raises(papermill.PapermillExecutionError) as info:
            job_env.run("import_advisor_associations", advisors_csv=str(bad))
        assert where in info.value.evalue and what in info.value.evalue, info.value.evalue
    assert not list(job_env.work_dir.rglob("plan.jsonl")), "a refused file plans nothing"
