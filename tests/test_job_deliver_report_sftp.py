"""deliver_report_sftp: a plan first (the overwrite is a reviewed write); atomic delivery on apply, checked by
listing the remote folder; no silent overwrite; a file replaced since planning is left alone."""

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
    planned = job_env.run("deliver_report_sftp")
    assert _listing(job_env) == {}, "planning uploads nothing"
    assert [(c.op, c.realm, c.key["path"]) for c in planned.plan] == [("create", "sftp_files", "incoming/users.csv")]
    run = job_env.run("deliver_report_sftp", apply=True)
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

    planned = job_env.run("deliver_report_sftp", file=str(report), remote_name="users.csv", overwrite=True)
    change = next(iter(planned.plan))
    assert change.op == "update" and change.before["size"] == demo.stat().st_size
    assert (job_env.sftp.root / "incoming" / "users.csv").read_bytes() == demo.read_bytes(), "not before apply"
    run = job_env.run("deliver_report_sftp", file=str(report), remote_name="users.csv", overwrite=True, apply=True)
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
    job_env.run("deliver_report_sftp", file=str(report), remote_folder=str(folder), apply=True)
    assert sorted(p.name for p in folder.iterdir()) == ["roster.csv"]
    assert (folder / "roster.csv").read_text() == "a,b\n1,2\n"


def test_deliver_into_a_missing_folder_names_host_and_path(job_env):
    with pytest.raises(PapermillExecutionError) as err:
        job_env.run("deliver_report_sftp", remote_folder="nowhere")
    assert err.value.ename == "ConnectorError"
    assert f"127.0.0.1:{job_env.sftp.port}/nowhere/users.csv" in err.value.evalue


def test_a_file_replaced_since_planning_is_left_alone(job_env, tmp_path):
    from schoology_etl.plans import Plan
    from schoology_etl.plans.file_target import SFTPFileTarget

    job_env.run("deliver_report_sftp", apply=True)
    report = tmp_path / "users.csv"
    report.write_text("school_uid\nS1\n")
    planned = job_env.run("deliver_report_sftp", file=str(report), overwrite=True)
    remote = job_env.sftp.root / "incoming" / "users.csv"
    remote.write_text("someone else's file\n")  # replaced on the site after planning
    with SFTPConnection(**{**job_env.sftp.settings(), "timeout": 5.0}) as sftp:
        result = Plan(planned.plan_path).apply(SFTPFileTarget(sftp))
    assert result.applied == 0 and result.skipped_drifted == 1
    assert remote.read_text() == "someone else's file\n"
