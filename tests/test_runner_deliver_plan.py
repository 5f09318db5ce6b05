"""deliver_report_sftp through the runner: the overwrite of a district's file is planned, reviewed
and applied to the client's SFTP site like any other write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner import service
from runner.access import add_to_groups
from runner.store import dispose_engines
from schoology_sandbox.sftp_server import SandboxSFTPServer
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env

JOB = Path(__file__).resolve().parents[1] / "notebooks" / "jobs" / "deliver_report_sftp.ipynb"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Any) -> Iterator[tuple[RunnerEnv, Any]]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    (tmp_path / "site" / "incoming").mkdir(parents=True)
    site = SandboxSFTPServer(tmp_path / "site", demo_files=False).start()
    add_profile("acme", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret, sftp=site.settings(),
                replace=True)
    shutil.copy(JOB, runner_env.jobs_dir / JOB.name)
    add_to_groups("tester", ["provisioners"])
    try:
        yield runner_env, site
    finally:
        kill_started_executioners()
        dispose_engines()
        site.stop()


def test_overwrite_is_planned_reviewed_by_name_then_applied(env, tmp_path):
    _runner, site = env
    remote = site.root / "incoming" / "report.csv"
    remote.write_text("last week\n")
    report = tmp_path / "report.csv"
    report.write_text("school_uid\nS1\nS2\n")
    run = service.create_run("deliver_report_sftp", "acme", {"file": str(report), "overwrite": True}, "tester",
                             wait=True)
    assert run["status"] == "planned", run
    assert run["plan_counts"]["counts"] == {"sftp_files": {"update": 1}}
    assert remote.read_text() == "last week\n", "nothing is overwritten before the plan is applied"
    done = service.apply_run(run["id"], "tester", wait=True)
    assert done["status"] == "applied", done
    assert remote.read_text() == "school_uid\nS1\nS2\n"
    assert done["journal_counts"]["applied"] == 1
