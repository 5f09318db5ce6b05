"""create_groups: the demo file's two groups created one request each, their admins and members enrolled,
undo deletes them; bad rows named by file line before anything is planned."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _members(state, group_id):
    code = {int(uid): u["school_uid"] for uid, u in state["users"].items()}
    return {(code[e["uid"]], e["admin"]) for e in state["enrollments"].values()
            if e["realm"] == "group" and e["realm_id"] == group_id}


def test_plan_creates_the_known_groups_with_their_members_apply_and_undo(job_env):
    start = job_env.state()
    known = job_env.manifest["files"]["new_groups.csv"]
    building = {b["building_code"]: b["id"] for b in start["buildings"].values()}

    before = job_env.server.counters()["by_route"].get("POST /groups", 0)
    run = job_env.run("create_groups", apply=True)
    plan = list(run.plan)
    assert [c.key["group_code"] for c in plan if c.op == "create"] == known["groups"]
    assert {(c.key["group_code"], c.key["school_uid"], c.after["admin"]) for c in plan if c.op == "link"} == {
        *((g, u, 0) for g, u in known["members"]), *((g, u, 1) for g, u in known["admins"])}
    assert len(plan) == 2 + 7 + 2
    assert job_env.server.counters()["by_route"]["POST /groups"] - before == 2, "one request per group"

    state = job_env.state()
    groups = {g["group_code"]: g for g in state["groups"].values()}
    for code in known["groups"]:
        fields, group = known["fields"][code], groups[code]
        assert (group["title"], group["description"], group["privacy_level"]) == (
            fields["title"], fields["description"], fields["privacy_level"])
        assert group["building_id"] == (building[fields["building_code"]] if fields["building_code"] else 0)
        assert _members(state, group["id"]) == {(u, 0) for g, u in known["members"] if g == code} | {
            (u, 1) for g, u in known["admins"] if g == code}

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert [c.op for c in undo.plan] == ["delete", "delete"]
    assert undo.plan.apply(se.connect("sandbox")).applied == 2
    after = job_env.state()
    assert after["groups"] == start["groups"] and after["enrollments"] == start["enrollments"]


def test_bad_rows_are_named_and_nothing_is_planned(job_env, tmp_path):
    state = job_env.state()
    taken = next(iter(state["groups"].values()))["group_code"]
    student = next(iter(job_env.manifest["files"]["new_groups.csv"]["members"]))[1]
    bad = tmp_path / "groups.csv"
    header = "group_code,title,description,building_code,privacy_level,members,admins\n"
    ok = f"NEW-1,Book Club,,MHS,school,{student},\n"
    cases = [
        (ok + f"{taken},Again,,,,,\n", "line 3", f"a group with group_code '{taken}' exists already"),
        (ok + "NEW-1,Twice,,,,,\n", "line 3", "'NEW-1' is already on line 2"),
        (ok + "NEW-2,Far,,ZZZ,,,\n", "line 3", "unknown building code 'ZZZ'"),
        (ok + "NEW-2,Secret,,,custom,,\n", "line 3", "custom is read only"),
        (ok + "NEW-2,Ghosts,,,,S999999,\n", "line 3", "column 'members': no active user with school_uid 'S999999'"),
        (ok + ",No code,,,,,\n", "line 3", "column 'group_code' is empty"),
    ]
    for body, where, what in cases:
        bad.write_text(header + body)
        with pytest.raises(papermill.PapermillExecutionError) as info:
            job_env.run("create_groups", groups_csv=str(bad))
        assert f"groups.csv, {where}" in info.value.evalue and what in info.value.evalue, info.value.evalue
    assert not list(job_env.work_dir.rglob("plan.jsonl"))
    assert job_env.state()["groups"] == state["groups"]
