"""deliver_report_sftp: atomic delivery, checked by listing the remote folder; no silent overwrite."""

from __future__ import annotations

import csv
import uuid

import pytest
from papermill import PapermillExecutionError

from schoology_etl.io.sftp import SFTPConnection


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _listing(job_env, folder="incoming"):
    with SFTPConnection(**{**job_env.sftp.settings(), "timeout": 5.0}) as sftp:
        return {e.name: e.size for e in sftp.listdir(folder)}


def test_deliver_the_demo_file_then_refuse_then_overwrite(job_env, tmp_path):
    demo = job_env.demo_file("users.csv")
    run = job_env.run("deliver_report_sftp")
    assert _listing(job_env) == {"users.csv": demo.stat().st_size}, "only the whole file, no temporary names left"
    assert (job_env.sftp.root / "incoming" / "users.csv").read_bytes() == demo.read_bytes()
    receipt = _rows(run.output("delivery.csv"))[0]
    assert receipt["remote"] == f"sftp://district@127.0.0.1:{job_env.sftp.port}/incoming/users.csv"
    assert receipt["replaced"] == "False"

    report = tmp_path / "inactive_users.csv"
    report.write_text("school_uid\nS1\n")
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("deliver_report_sftp", file=str(report), remote_name="users.csv")
    assert err.value.ename == "ConnectorError"
    assert f"127.0.0.1:{job_env.sftp.port}/incoming/users.csv already exists" in err.value.evalue
    assert (job_env.sftp.root / "incoming" / "users.csv").read_bytes() == demo.read_bytes()

    run = job_env.run("deliver_report_sftp", file=str(report), remote_name="users.csv", overwrite=True)
    assert (job_env.sftp.root / "incoming" / "users.csv").read_text() == "school_uid\nS1\n"
    assert _rows(run.output("delivery.csv"))[0]["replaced"] == "True"
    assert _listing(job_env) == {"users.csv": report.stat().st_size}


def test_deliver_to_a_real_sshd(job_env, sshd, tmp_path):
    folder = sshd.root / f"in-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    sshd.give(folder)
    report = tmp_path / "roster.csv"
    report.write_text("a,b\n1,2\n")
    job_env.use_sftp(host=sshd.host, port=sshd.port, username=sshd.username, password=sshd.password,
                     host_key=sshd.host_key)
    job_env.run("deliver_report_sftp", file=str(report), remote_folder=str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["roster.csv"]
    assert (folder / "roster.csv").read_text() == "a,b\n1,2\n"


def test_deliver_into_a_missing_folder_names_host_and_path(job_env):
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("deliver_report_sftp", remote_folder="nowhere")
    assert err.value.ename == "ConnectorError"
    assert f"127.0.0.1:{job_env.sftp.port}/nowhere/users.csv" in err.value.evalue
