"""export_users, run as CI runs it (papermill, params injected) and as an analyst does (defaults)."""

import csv


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_users_writes_every_active_user_with_role_and_building(job_env):
    state = job_env.state()
    run = job_env.run("export_users", output_name="everyone.csv")
    rows = _rows(run.output("everyone.csv"))
    assert len(rows) == len(state["users"])
    assert all(r["role_title"] for r in rows), "every user has a role title"
    assert all(r["building_name"] for r in rows), "every user has a building name"


def test_export_users_runs_with_its_defaults_as_an_analyst_would(job_env):
    run = job_env.run_as_analyst("export_users")
    assert len(_rows(run.output("users.csv"))) == len(job_env.state()["users"])

