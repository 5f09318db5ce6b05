"""fetch_sis_files: from the sandbox SFTP site and from a real sshd; bad sites and bad files are named."""

from __future__ import annotations

import csv
import hashlib
import shutil
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from papermill import PapermillExecutionError

from schoology_sandbox.sftp_server import OUTGOING_FILES


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_stages_the_district_export_with_a_manifest(job_env):
    run = job_env.run("fetch_sis_files")
    manifest = {r["file"]: r for r in _rows(run.output("sis_manifest.csv"))}
    assert set(manifest) == set(OUTGOING_FILES)
    for name in OUTGOING_FILES:
        assert run.output(name).read_bytes() == job_env.demo_file(name).read_bytes()
        assert manifest[name]["sha256"] == _sha(job_env.demo_file(name)) and manifest[name]["checked"] == "True"
        assert manifest[name]["remote"] == f"sftp://district@127.0.0.1:{job_env.sftp.port}/outgoing/{name}"
    assert int(manifest["users.csv"]["rows"]) == len(_rows(job_env.demo_file("users.csv")))
    assert manifest["courses_sections.csv"]["kind"] == "courses_sections"


def test_fetch_from_a_real_sshd_with_key_authentication(job_env, sshd):
    folder = sshd.root / f"export-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    for name in ("users.csv", "enrollments.csv"):
        shutil.copyfile(job_env.demo_file(name), folder / name)
        sshd.give(folder / name)
    sshd.give(folder)
    job_env.use_sftp(host=sshd.host, port=sshd.port, username=sshd.username, private_key=sshd.private_key,
                     host_key=sshd.host_key)
    run = job_env.run("fetch_sis_files", remote_folder=str(folder), pattern="users*.csv")
    assert [r["file"] for r in _rows(run.output("sis_manifest.csv"))] == ["users.csv"]
    assert run.output("users.csv").read_bytes() == job_env.demo_file("users.csv").read_bytes()


def _fails(job_env, **params) -> PapermillExecutionError:
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("fetch_sis_files", **params)
    return err.value


def test_fetch_names_host_and_path_for_a_missing_file_a_wrong_password_and_an_unknown_host_key(job_env):
    where = f"127.0.0.1:{job_env.sftp.port}"
    err = _fails(job_env, pattern="students.csv")
    assert err.ename == "ConnectorError" and f"sftp://district@{where}/outgoing/students.csv" in err.evalue

    job_env.use_sftp(**{**job_env.sftp.settings(), "password": "not-the-password"})
    err = _fails(job_env)
    assert err.ename == "ConnectorError" and "authentication failed" in err.evalue and where in err.evalue
    assert "not-the-password" not in err.evalue

    other = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    job_env.use_sftp(**{**job_env.sftp.settings(), "host_key": other})
    err = _fails(job_env)
    assert err.ename == "HostKeyMismatchError" and where in err.evalue


def test_a_bad_file_stops_the_fetch_and_stages_nothing(job_env):
    (job_env.sftp.root / "outgoing" / "enrollments.csv").write_text("section_school_code,school_uid\nLES-ART-01,S100001\n")
    err = _fails(job_env)
    assert err.ename == "SourceFormatError"
    assert f"sftp://district@127.0.0.1:{job_env.sftp.port}/outgoing/enrollments.csv, line 1" in err.evalue
    assert "role" in err.evalue
    run_dir = job_env.work_dir / f"run-{job_env.runs}"
    assert not list(run_dir.glob("*.csv")), "nothing is staged when a file is bad"


def test_an_export_that_stopped_running_is_refused_by_file_age(job_env):
    import os
    import time

    stale = job_env.sftp.root / "outgoing" / "enrollments.csv"
    three_days_ago = time.time() - 72 * 3600
    os.utime(stale, (three_days_ago, three_days_ago))
    err = _fails(job_env)
    assert err.ename == "SourceFormatError" and "the SIS export looks stale" in err.evalue
    assert f"sftp://district@127.0.0.1:{job_env.sftp.port}/outgoing/enrollments.csv" in err.evalue
    assert "72 hours ago" in err.evalue and "older than 36 hours (max_age_hours)" in err.evalue and "users.csv" not in err.evalue

    run = job_env.run("fetch_sis_files", max_age_hours=100)  # a longer limit lets the same export through, ages listed
    ages = {r["file"]: float(r["age_hours"]) for r in _rows(run.output("sis_manifest.csv"))}
    assert ages["enrollments.csv"] == 72.0 and ages["users.csv"] < 1
