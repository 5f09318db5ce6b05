"""reconcile_sis_with_schoology: exactly the manifest's differences, and nothing written."""

from __future__ import annotations

import csv

import pytest
from papermill import PapermillExecutionError


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_users_file_differences_are_exactly_the_manifest(job_env):
    version = job_env.state()["version"]
    run = job_env.run("reconcile_sis_with_schoology", kind="users")
    rows = _rows(run.output("reconcile_users.csv"))
    known = job_env.manifest["files"]["users.csv"]
    assert sorted(r["key"] for r in rows if r["op"] == "add") == sorted(known["new_users"])
    assert sorted(r["key"] for r in rows if r["op"] == "remove") == sorted(known["missing_users"])
    updates = {}
    for r in rows:
        if r["op"] == "update":
            updates.setdefault(r["key"], {})[r["field"]] = {"before": r["before"], "after": r["after"]}
    assert updates == known["updates"]
    assert run.output("reconcile_summary.png").stat().st_size > 0
    assert job_env.state()["version"] == version, "a read-only job changed the sandbox"


def test_enrollments_file_differences_are_exactly_the_manifest(job_env):
    run = job_env.run("reconcile_sis_with_schoology", kind="enrollments")
    rows = _rows(run.output("reconcile_enrollments.csv"))
    known = job_env.manifest["files"]["enrollments.csv"]
    assert sorted(r["key"] for r in rows if r["op"] == "add") == sorted(f"{c}|{u}" for c, u, _ in known["enroll"])
    assert sorted(r["key"] for r in rows if r["op"] == "remove") == sorted(f"{c}|{u}" for c, u, _ in known["drop"])
    assert not [r for r in rows if r["op"] == "update"]


def test_bad_files_are_named(job_env, tmp_path):
    missing = tmp_path / "users.csv"
    missing.write_text("school_uid,name_first,name_last,building_code\nS1,Ann,Lee,LES\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("reconcile_sis_with_schoology", sis_file=str(missing))
    assert "role" in err.value.evalue and "users.csv" in err.value.evalue
    unknown = tmp_path / "enrollments.csv"
    unknown.write_text("section_school_code,school_uid,role,action\nNOPE-01,S100001,student,enroll\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("reconcile_sis_with_schoology", kind="enrollments", sis_file=str(unknown))
    assert err.value.ename == "SourceFormatError"
    assert "enrollments.csv, line 2" in err.value.evalue and "NOPE-01" in err.value.evalue
