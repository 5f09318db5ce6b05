"""deactivate_missing_users: the plan is exactly the users missing from the SIS file; enrollments kept; undo; refusal."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def _enrollments_of(state, uids):
    return sorted((e["realm_id"], str(e["uid"])) for e in state["enrollments"].values() if str(e["uid"]) in uids)


def test_plan_apply_keeps_enrollments_and_undo_reactivates(job_env):
    start = job_env.state()
    missing = job_env.manifest["files"]["users.csv"]["missing_users"]

    run = job_env.run("deactivate_missing_users", apply=True)
    plan = list(run.plan)
    assert sorted(c.key["school_uid"] for c in plan) == sorted(missing)
    assert {c.op for c in plan} == {"delete"} and all(c.before["school_uid"] == c.key["school_uid"] for c in plan)
    uids = {str(c.id) for c in plan}

    state = job_env.state()
    assert uids <= set(state["inactive_users"]) and not uids & set(state["users"])
    assert _enrollments_of(state, uids) == _enrollments_of(start, uids) != []
    assert len(state["users"]) == len(start["users"]) - len(missing)

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert {c.op for c in undo.plan} == {"reactivate"}
    report = undo.plan.apply(se.connect("sandbox"))
    assert report.applied == len(missing)
    after = job_env.state()
    assert set(after["users"]) == set(start["users"]) and set(after["inactive_users"]) == set(start["inactive_users"])


def test_refuses_above_the_share_filters_by_role_and_spares_its_own_account(job_env, tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("deactivate_missing_users", max_share=0.01)
    assert info.value.ename == "ConfigurationError" and "above the allowed share 1%" in info.value.evalue
    assert not list(job_env.work_dir.glob("**/plan.jsonl"))

    state = job_env.state()
    admin_role = next(k for k, r in state["roles"].items() if r["title"] == "System Admin")
    admins = {u["school_uid"] for u in state["users"].values() if str(u["role_id"]) == admin_role}
    lines = job_env.demo_file("users.csv").read_text().splitlines(keepends=True)
    without = tmp_path / "users.csv"
    without.write_text("".join(line for line in lines if line.split(",")[0] not in admins))
    run = job_env.run("deactivate_missing_users", users_csv=str(without), roles=[admin_role], max_share=1.0)
    assert len(run.plan) == 0, "the missing students are not admins, and the API's own admin is spared"
