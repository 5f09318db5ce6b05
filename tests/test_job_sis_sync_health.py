"""sis_sync_health: exactly the demo snapshot's known differences, per domain and direction, and its stale file."""

from __future__ import annotations

import csv
import os
import shutil
import time

import pytest
from papermill import PapermillExecutionError

from schoology_etl.provisioning.sis.sis_snapshot import DOMAINS

KEYS = {"users": ("school_uid",), "courses_sections": ("section_school_code",),
        "enrollments": ("section_school_code", "school_uid"), "parents": ("student_school_uid", "parent_school_uid")}


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _found(run, domain):
    found = {"sis_only": [], "schoology_only": [], "differs": []}
    for row in _rows(run.output(f"sync_{domain}.csv")):
        key = [row[k] for k in KEYS[domain]]
        found[row["direction"]].append(key if len(key) > 1 else key[0])
    return {d: sorted(v) for d, v in found.items()}


def test_every_domain_and_direction_is_exactly_the_manifest(job_env):
    version = job_env.state()["version"]
    run = job_env.run("sis_sync_health")
    known = job_env.manifest["snapshot"]
    summary = {r["domain"]: r for r in _rows(run.output("sync_summary.csv"))}
    assert list(summary) == list(DOMAINS)
    for domain in DOMAINS:
        expected = {d: sorted(known[domain][d]) for d in ("sis_only", "schoology_only", "differs")}
        assert _found(run, domain) == expected, domain
        for direction, keys in expected.items():
            assert int(summary[domain][direction]) == len(keys), (domain, direction)
        line = summary[domain]
        assert int(line["in_sis"]) - int(line["sis_only"]) == int(line["in_both"])
        assert int(line["in_schoology"]) - int(line["schoology_only"]) == int(line["in_both"])
    assert all(known[d]["sis_only"] and known[d]["schoology_only"] for d in DOMAINS)  # both directions, every domain
    assert "deactivate_missing_users" in summary["users"]["next_steps"]
    users = _rows(run.output("sync_users.csv"))
    differs = {r["school_uid"]: r["difference"] for r in users if r["direction"] == "differs"}
    assert any("role: Schoology 'Parent', SIS 'Teacher'" == d for d in differs.values())
    files = {r["file"]: r for r in _rows(run.output("sync_files.csv"))}
    assert sorted(f for f, r in files.items() if r["stale"] == "True") == known["stale"] == ["parents.csv"]
    assert float(files["parents.csv"]["age_hours"]) > 36 and float(files["users.csv"]["age_hours"]) < 36
    assert run.output("sync_summary.png").stat().st_size > 0
    assert job_env.state()["version"] == version, "a read-only job changed the sandbox"


def test_a_given_folder_and_no_age_limit(job_env, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(job_env.demo_file("snapshot"), folder)
    old = time.time() - 90 * 24 * 3600
    os.utime(folder / "users.csv", (old, old))
    with open(folder / "parents.csv", "a") as fh:  # a link the SIS has twice: counted once, the repeat reported
        first = _rows(folder / "parents.csv")[0]
        fh.write(f"{first['student_school_uid']},{first['parent_school_uid']}\n")
    run = job_env.run("sis_sync_health", sis_folder=str(folder), max_age_hours=0)
    assert all(r["stale"] == "False" for r in _rows(run.output("sync_files.csv")))
    assert float({r["file"]: r for r in _rows(run.output("sync_files.csv"))}["users.csv"]["age_hours"]) > 90 * 24 - 1
    summary = {r["domain"]: r for r in _rows(run.output("sync_summary.csv"))}
    assert summary["parents"]["sis_repeated"] == "1"
    assert _found(run, "parents")["sis_only"] == sorted(job_env.manifest["snapshot"]["parents"]["sis_only"])


def test_bad_snapshots_are_named(job_env, tmp_path):
    folder = tmp_path / "partial"
    shutil.copytree(job_env.demo_file("snapshot"), folder)
    (folder / "parents.csv").unlink()
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("sis_sync_health", sis_folder=str(folder))
    assert err.value.ename == "ConfigurationError" and "parents*.csv" in err.value.evalue
    (folder / "parents.csv").write_text("student_school_uid,parent_school_uid,action\nS1,P1,move\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("sis_sync_health", sis_folder=str(folder))
    assert err.value.ename == "SourceFormatError"
    assert "parents.csv, line 2" in err.value.evalue and "'move'" in err.value.evalue
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("sis_sync_health", sis_folder=str(tmp_path / "nowhere"))
    assert "sis_folder" in err.value.evalue
