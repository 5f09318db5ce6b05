"""validate_sis_files: the demo's invalid files give exactly the manifest's problems, the valid ones none."""

from __future__ import annotations

import csv

import pytest
from papermill import PapermillExecutionError


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_demo_files_report_exactly_the_known_problems(job_env):
    run = job_env.run("validate_sis_files")
    problems = _rows(run.output("sis_problems.csv"))
    expected = job_env.manifest["invalid"]
    assert {p["file"] for p in problems} == set(expected)
    for name, listed in expected.items():
        found = [p for p in problems if p["file"] == name]
        assert [(int(p["line"]), p["column"]) for p in found] == [(e["line"], e["column"]) for e in listed], name
        for p, e in zip(found, listed, strict=True):
            assert e["problem"] in p["problem"], (name, p, e)
    role = next(p for p in problems if p["column"] == "role")
    assert "Studnet" in role["problem"] and "'Student'" in role["problem"]
    files = {r["file"]: r for r in _rows(run.output("sis_files.csv"))}
    assert {"users.csv", "enrollments.csv", "courses_sections.csv", "users_invalid.csv"} <= set(files)
    assert files["users.csv"]["problems"] == "0" and int(files["users.csv"]["rows"]) > 30


def test_one_uploaded_file_with_a_chosen_kind_and_failing_on_problems(job_env, tmp_path):
    upload = tmp_path / "upload_3.csv"
    upload.write_text("school_uid,role\nT1,Teacher\nT2,Principal\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("validate_sis_files", sis_file=str(upload), kind="role_changes", fail_on_problems=True)
    assert err.value.ename == "SourceFormatError"
    assert "upload_3.csv, line 3" in err.value.evalue and "Principal" in err.value.evalue


def test_an_unnamed_file_needs_its_kind(job_env, tmp_path):
    upload = tmp_path / "roster.csv"
    upload.write_text("school_uid,role\nT1,Teacher\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("validate_sis_files", sis_file=str(upload))
    assert err.value.ename == "ConfigurationError" and "roster.csv" in err.value.evalue
