"""import_users: the plan is exactly the demo file's new users and field updates; apply, state, undo; bad input."""

from __future__ import annotations

import csv

import papermill
import pytest

import schoology_etl as se
from schoology_etl.provisioning.users.user_mapping import SIS_USER_FIELDS


def _sis_view(state):
    """Active users by school_uid, with the fields an SIS file sets."""
    return {u["school_uid"]: {f: str(u.get(f) or "") for f in SIS_USER_FIELDS} for u in state["users"].values()}


def _updates(plan):
    return {
        c.key["school_uid"]: {f: {"before": str(c.before[f]), "after": str(c.after[f])} for f in c.fields()}
        for c in plan if c.op == "update"
    }


def test_plan_is_the_known_differences_then_apply_and_undo(job_env):
    start = job_env.state()
    known = job_env.manifest["files"]["users.csv"]

    run = job_env.run("import_users")
    plan = list(run.plan)
    creates = {c.key["school_uid"]: c for c in plan if c.op == "create"}
    assert sorted(creates) == sorted(known["new_users"])
    assert _updates(plan) == known["updates"]
    assert all("_query" not in c.after for c in creates.values()), "policy fail sends no flag"

    applied = job_env.run("import_users", apply=True)
    state = _sis_view(job_env.state())
    conflicted = set(known["email_conflicts"])
    for school_uid in set(known["new_users"]) - conflicted:
        assert state[school_uid]["name_last"] == creates[school_uid].after["name_last"]
        assert state[school_uid]["role_id"] == str(creates[school_uid].after["role_id"])
    assert not conflicted & set(state), "with policy fail the conflicting new user is not created"
    assert "409" in applied.html() or "409" in applied.text()
    for school_uid, fields in known["updates"].items():
        assert {f: state[school_uid][f] for f in fields} == {f: v["after"] for f, v in fields.items()}

    journal = applied.plan_path.with_name("plan.jsonl.journal.jsonl")
    undo = se.undo_plan(journal, applied.output_dir / "undo.jsonl")
    report = undo.plan.apply(se.connect("sandbox"))
    assert report.failed == 0 and report.applied == len(plan) - len(conflicted)
    assert _sis_view(job_env.state()) == _sis_view(start)


def test_ignore_conflicts_creates_the_conflicting_user_without_email(job_env):
    known = job_env.manifest["files"]["users.csv"]
    run = job_env.run("import_users", email_conflicts="ignore_conflicts", apply=True)
    creates = [c for c in run.plan if c.op == "create"]
    assert all(c.after["_query"] == {"ignore_email_conflicts": 1} for c in creates)
    state = _sis_view(job_env.state())
    for school_uid in known["new_users"]:
        assert school_uid in state
    (conflicted,) = known["email_conflicts"]
    assert state[conflicted]["primary_email"] == ""


def _write(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def _demo_rows(job_env, n=3):
    with open(job_env.demo_file("users.csv"), newline="") as fh:
        return list(csv.DictReader(fh))[:n]


def test_unknown_role_and_building_are_named_with_file_line_and_value(job_env, tmp_path):
    rows = _demo_rows(job_env)
    rows[1]["role"] = "Studnet"
    rows[2]["building_code"] = "ZZZ"
    path = _write(tmp_path / "users.csv", rows)
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("import_users", users_csv=path)
    assert info.value.ename == "SourceFormatError"
    message = info.value.evalue
    assert "users.csv, line 3" in message and "'Studnet'" in message and "did you mean 'Student'" in message
    assert "1 more problem" in message
    shown = (job_env.work_dir / f"run-{job_env.runs}" / "import_users.out.ipynb").read_text()
    assert "unknown building code 'ZZZ'" in shown, "every problem is shown in a table"
    assert not list(job_env.work_dir.glob("**/plan.jsonl")), "nothing is planned"


def test_missing_column_and_empty_file_are_named(job_env, tmp_path):
    rows = [{k: v for k, v in r.items() if k != "role"} for r in _demo_rows(job_env)]
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("import_users", users_csv=_write(tmp_path / "no_role.csv", rows))
    assert "role" in info.value.evalue and "no_role.csv" in info.value.evalue
    empty = tmp_path / "empty.csv"
    empty.write_text("school_uid,name_first,name_last,role,building_code\n")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        job_env.run("import_users", users_csv=str(empty))
    assert "no data rows" in info.value.evalue


def test_a_returning_student_is_reactivated_not_created_then_undone(job_env, tmp_path):
    start = job_env.state()
    student = next(k for k, r in start["roles"].items() if r["title"] == "Student")
    returning = next(u for u in start["inactive_users"].values() if str(u["role_id"]) == str(student))
    codes = {str(k): b["building_code"] for k, b in start["buildings"].items()}
    rows = _demo_rows(job_env)
    rows.append({**{k: "" for k in rows[0]}, "school_uid": returning["school_uid"], "name_first": returning["name_first"],
                 "name_last": returning["name_last"], "role": "Student", "building_code": codes[str(returning["building_id"])],
                 "primary_email": returning["primary_email"]})
    path = _write(tmp_path / "users_returning.csv", rows)

    run = job_env.run("import_users", users_csv=path, apply=True)
    assert [(c.op, c.key, str(c.id), c.after) for c in run.plan] == [
        ("reactivate", {"school_uid": returning["school_uid"]}, str(returning["uid"]), {"option_reenroll": 0})]
    state = job_env.state()
    assert str(returning["uid"]) in state["users"] and str(returning["uid"]) not in state["inactive_users"]
    assert [u["school_uid"] for u in state["users"].values()].count(returning["school_uid"]) == 1, "no second account"

    journal = run.plan_path.with_name("plan.jsonl.journal.jsonl")
    report = se.undo_plan(journal, run.output_dir / "undo.jsonl").plan.apply(se.connect("sandbox"))
    assert report.failed == 0 and report.applied == 1
    assert set(job_env.state()["inactive_users"]) == set(start["inactive_users"])
