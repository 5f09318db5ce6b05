"""change_user_roles: the plan is the demo file's role changes; apply; unknown values named."""

from __future__ import annotations

import papermill
import pytest


def test_plan_then_apply_sets_the_roles(job_env):
    start = job_env.state()
    titles = {str(k): r["title"] for k, r in start["roles"].items()}
    known = job_env.manifest["files"]["role_changes.csv"]["changes"]
    run = job_env.run("change_user_roles", apply=True)
    plan = list(run.plan)
    assert {c.key["school_uid"]: (titles[str(c.before["role_id"])], titles[str(c.after["role_id"])]) for c in plan} == {
        k: (v["before"], v["after"]) for k, v in known.items()
    }
    by_school_uid = {u["school_uid"]: u for u in job_env.state()["users"].values()}
    for school_uid, change in known.items():
        assert titles[str(by_school_uid[school_uid]["role_id"])] == change["after"]
    others = {u["school_uid"]: u["role_id"] for u in start["users"].values() if u["school_uid"] not in known}
    assert {k: by_school_uid[k]["role_id"] for k in others} == others


def test_unknown_role_and_school_uid_are_named(job_env, tmp_path):
    bad = tmp_path / "roles.csv"
    bad.write_text("school_uid,role\nT100142,School Admin\nT100144,Principle\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("change_user_roles", roles_csv=str(bad))
    assert "roles.csv, line 3" in info.value.evalue and "unknown role title 'Principle'" in info.value.evalue
    bad.write_text("school_uid,role\nX999,Teacher\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("change_user_roles", roles_csv=str(bad))
    assert "line 2" in info.value.evalue and "'X999'" in info.value.evalue
