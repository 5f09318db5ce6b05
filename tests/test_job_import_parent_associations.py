"""import_parent_associations: links to add and remove planned, already-linked rows left out; apply; undo."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _pairs(state):
    school_uid = {uid: u["school_uid"] for uid, u in state["users"].items()}
    return {(school_uid[str(link["student_uid"])], school_uid[str(link["parent_uid"])]) for link in state["parent_links"]
            if str(link["student_uid"]) in school_uid and str(link["parent_uid"]) in school_uid}


def _key(change):
    return (change.key["student_school_uid"], change.key["parent_school_uid"])


def test_plan_is_the_known_links_then_apply_and_undo(job_env):
    start = _pairs(job_env.state())
    known = job_env.manifest["files"]["parents.csv"]
    link, unlink = {tuple(p) for p in known["link"]}, {tuple(p) for p in known["unlink"]}

    run = job_env.run("import_parent_associations", apply=True)
    plan = list(run.plan)
    assert {_key(c) for c in plan if c.op == "link"} == link
    assert {_key(c) for c in plan if c.op == "unlink"} == unlink
    assert len(plan) == len(link) + len(unlink), "already-linked rows are no-ops"
    assert _pairs(job_env.state()) == (start | link) - unlink

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert undo.plan.apply(se.connect("sandbox")).applied == len(plan)
    assert _pairs(job_env.state()) == start


def test_unknown_school_uid_and_action_are_named(job_env, tmp_path):
    bad = tmp_path / "parents.csv"
    bad.write_text("student_school_uid,parent_school_uid,action\nS100069,P100010,link\nS100069,P999999,link\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("import_parent_associations", parents_csv=str(bad))
    assert "parents.csv, line 3" in info.value.evalue and "'P999999'" in info.value.evalue
    bad.write_text("student_school_uid,parent_school_uid,action\nS100069,P100010,remove\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("import_parent_associations", parents_csv=str(bad))
    assert "line 2" in info.value.evalue and "'remove' is not one of link, unlink" in info.value.evalue
