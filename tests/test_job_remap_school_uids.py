"""remap_school_uids: the demo mapping planned and applied; the collisions file refused naming its lines."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def test_remap_plan_apply_and_undo(job_env):
    start = job_env.state()
    remap = job_env.manifest["files"]["uid_remap.csv"]["remap"]
    uid_of = {u["school_uid"]: uid for uid, u in start["users"].items()}

    run = job_env.run("remap_school_uids", apply=True)
    plan = list(run.plan)
    assert {c.before["school_uid"]: c.after["school_uid"] for c in plan} == remap
    assert all(str(c.id) == uid_of[c.before["school_uid"]] for c in plan)
    users = job_env.state()["users"]
    for old, new in remap.items():
        assert users[uid_of[old]]["school_uid"] == new
    assert not set(remap) & {u["school_uid"] for u in users.values()}

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert undo.plan.apply(se.connect("sandbox")).applied == len(remap)
    assert {uid: u["school_uid"] for uid, u in job_env.state()["users"].items()} == {
        uid: u["school_uid"] for uid, u in start["users"].items()
    }


def test_collisions_are_refused_naming_each_line(job_env):
    refused = job_env.manifest["files"]["uid_remap.csv"]["refused"]["uid_remap_collisions.csv"]
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("remap_school_uids", mapping_csv=str(job_env.demo_file("uid_remap_collisions.csv")))
    message = info.value.evalue
    assert "uid_remap_collisions.csv" in message and "refused" in message
    for problem in refused:
        assert any(f"line {problem['line']}:" in m and problem["problem"] in m for m in message.splitlines()), problem
    assert not list(job_env.work_dir.glob("**/plan.jsonl"))
