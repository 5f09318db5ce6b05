"""reactivate_users: every seeded inactive user by default, or a CSV's; apply, state, undo; unknown school_uid named."""

from __future__ import annotations

import papermill
import pytest

import schoology_etl as se


def test_all_inactive_reactivates_every_inactive_user_and_undo_deactivates_them_again(job_env):
    start = job_env.state()
    inactive = {u["school_uid"]: uid for uid, u in start["inactive_users"].items()}
    assert len(inactive) == 5 + 2  # plus the two known inactive duplicates

    run = job_env.run("reactivate_users", all_inactive=True, apply=True)
    plan = list(run.plan)
    assert {c.key["school_uid"]: str(c.id) for c in plan} == inactive
    assert {c.op for c in plan} == {"reactivate"} and all(c.after == {"option_reenroll": 1} for c in plan)
    state = job_env.state()
    assert state["inactive_users"] == {} and set(inactive.values()) <= set(state["users"])

    undo = se.undo_plan(run.plan_path.with_name("plan.jsonl.journal.jsonl"), run.output_dir / "undo.jsonl")
    assert undo.plan.apply(se.connect("sandbox")).applied == len(inactive)
    after = job_env.state()
    assert set(after["inactive_users"]) == set(start["inactive_users"]) and set(after["users"]) == set(start["users"])


def test_csv_list_with_per_user_reenroll_and_unknown_school_uid(job_env, tmp_path):
    inactive = sorted(u["school_uid"] for u in job_env.state()["inactive_users"].values())
    listed = tmp_path / "back.csv"
    listed.write_text(f"school_uid,reenroll\n{inactive[0]},0\n{inactive[1]},\n")
    plan = list(job_env.run("reactivate_users", users_csv=str(listed), reenroll=True).plan)
    assert [(c.key["school_uid"], c.after["option_reenroll"]) for c in plan] == [(inactive[0], 0), (inactive[1], 1)]

    listed.write_text(f"school_uid\n{inactive[0]}\nS100001\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("reactivate_users", users_csv=str(listed))
    assert "back.csv, line 3" in info.value.evalue and "'S100001' is not an inactive user" in info.value.evalue
