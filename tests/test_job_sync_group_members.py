"""sync_group_members: the plan holds exactly the demo file's adds and removes; apply; undo restores."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _members(state):
    """{group_code: {school_uid: (admin, status)}}."""
    codes = {str(k): g["group_code"] for k, g in state["groups"].items()}
    people = {**state["users"], **state.get("inactive_users", {})}
    out: dict[str, dict[str, tuple[int, int]]] = {c: {} for c in codes.values()}
    for e in state["enrollments"].values():
        if e["realm"] == "group":
            out[codes[str(e["realm_id"])]][people[str(e["uid"])]["school_uid"]] = (e["admin"], e["status"])
    return out


def test_plan_apply_and_undo(job_env):
    known = job_env.manifest["files"]["group_members.csv"]
    start = _members(job_env.state())
    first, second = known["groups"]

    run = job_env.run("sync_group_members")
    changes = list(run.plan)
    assert {(c.key["group_code"], c.key["school_uid"]) for c in changes if c.op == "link"} == {tuple(a) for a in known["add"]}
    assert {(c.key["group_code"], c.key["school_uid"]) for c in changes if c.op == "unlink"} == {tuple(r) for r in known["remove"]}
    assert len(changes) == len(known["add"]) + len(known["remove"]), "the second group is unchanged"
    assert all(c.realm == "enrollments" for c in changes)

    applied = job_env.run("sync_group_members", apply=True)
    now = _members(job_env.state())
    listed = {line.split(",")[1] for line in job_env.demo_file("group_members.csv").read_text().splitlines()[1:] if line.startswith(first + ",")}
    assert set(now[first]) == listed
    assert now[second] == start[second]
    assert {c: m for c, m in now.items() if c != first} == {c: m for c, m in start.items() if c != first}

    journal = applied.plan_path.with_name("plan.jsonl.journal.jsonl")
    undo = se.undo_plan(journal, applied.output_dir / "undo.jsonl")
    assert undo.cannot_undo == [] and len(undo.plan) == len(changes)
    report = undo.plan.apply(se.connect("sandbox"))
    assert report.applied == len(changes) and report.failed == 0
    assert _members(job_env.state()) == start


def test_one_group_admin_flag_and_bad_input(job_env, tmp_path):
    known = job_env.manifest["files"]["group_members.csv"]
    start = _members(job_env.state())
    second = known["groups"][1]
    assert len(job_env.run("sync_group_members", group_codes=second).plan) == 0

    lines = [line for line in job_env.demo_file("group_members.csv").read_text().splitlines()[1:] if line.startswith(second + ",")]
    code, promoted, _ = next(line for line in lines if line.endswith(",0")).split(",")
    flipped = tmp_path / "flipped.csv"
    rows = [f"{code},{promoted},1" if line.split(",")[1] == promoted else line for line in lines]
    flipped.write_text("group_code,school_uid,admin\n" + "\n".join(rows) + "\n")
    run = job_env.run("sync_group_members", members_csv=str(flipped), apply=True)
    [change] = list(run.plan)
    assert (change.op, change.key, change.before["admin"], change.after["admin"]) == (
        "link", {"group_code": second, "school_uid": promoted}, "0", "1")
    assert _members(job_env.state())[second][promoted] == (1, 1)
    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert undo.plan.apply(se.connect("sandbox")).applied == 1
    assert _members(job_env.state()) == start
    version = job_env.state()["version"]

    with pytest.raises(papermill.PapermillExecutionError) as err:
        job_env.run("sync_group_members", group_codes="GRP-NOPE")
    assert "GRP-NOPE" in err.value.evalue

    assert job_env.state()["version"] == version
