"""An honest status on every read (issue 16): a run whose executioner is gone is reported
worker lost by ``runs show``, its JSON, ``run``'s waiting and the Run view, with no listing
(or worker) in between."""

from __future__ import annotations

import json
import os
import signal
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from runner import service
from runner.cli import cli
from runner.dashboard.app import DashboardApp
from runner.execution import claims
from runner.execution.liveness import is_lost, process_gone
from runner.store import Run, session_scope, utcnow
from tests.fixtures.runner_jobs import RunnerEnv, poll_until, wait_gate_cell


def _texts(run_id: int) -> list[str]:
    return [ln["text"] for ln in service.iter_log(run_id)]


def _stored_status(run_id: int) -> str:
    with session_scope() as s:
        return s.get(Run, run_id).status


def _start_and_kill(env: RunnerEnv, job: str) -> tuple[int, int]:
    """Start a run of ``job``, wait until it works, SIGKILL its executioner; (run id, kernel pid)."""
    run = service.create_run(job, env.client, {}, "tester")
    poll_until(lambda: "working" in _texts(run["id"]), timeout=90)
    pid = poll_until(lambda: service.get_run(run["id"])["worker_pid"])
    os.kill(pid, signal.SIGKILL)
    poll_until(lambda: process_gone(pid))
    kernel = int((env.home / f"{job}.pid").read_text())
    assert _stored_status(run["id"]) == "running"  # nothing has looked yet: the store still says running
    return run["id"], kernel


@pytest.fixture
def orphan_job(runner_env: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> RunnerEnv:
    monkeypatch.setenv("TOOLBELT_CLIENT_CONCURRENCY", "2")
    # the default stale interval (30 s) is kept: only seeing the process gone explains a quick verdict
    monkeypatch.setenv("TOOLBELT_STALE_SECONDS", "30")
    for job in ("orphan_a", "orphan_b"):
        runner_env.write_job(job, f"import os\nopen({str(runner_env.home / (job + '.pid'))!r}, 'w').write(str(os.getpid()))",
                             wait_gate_cell(runner_env.gate("never"), "working"))
    return runner_env


def test_runs_show_and_the_run_view_say_worker_lost_after_the_executioner_is_killed(orphan_job: RunnerEnv) -> None:
    kernels = []
    try:
        shown_id, kernel = _start_and_kill(orphan_job, "orphan_a")
        kernels.append(kernel)
        out = CliRunner().invoke(cli, ["runs", "show", str(shown_id)], catch_exceptions=False).output
        assert "failed (worker lost)" in out and "stopped sending heartbeats" in out, out
        as_json = json.loads(CliRunner().invoke(cli, ["runs", "show", str(shown_id), "--json"]).output)
        assert (as_json["status"], as_json["error_class"]) == ("failed", "worker_lost")

        viewed_id, kernel = _start_and_kill(orphan_job, "orphan_b")
        kernels.append(kernel)
        app = DashboardApp(user="tester", dispatch=service.DISPATCH_WORKERS)
        app.open_run(viewed_id)
        app.run_view.refresh()
        assert "failed (worker lost)" in app.run_view.status.value, app.run_view.status.value
        assert "worker_lost" in app.run_view.status.value  # the error class and message beside it
        assert _texts(viewed_id)[-1].startswith("failed: the process running this job stopped")
        assert app.run_view.cancel.layout.display == "none"  # nothing left to cancel
    finally:
        for pid in kernels:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_run_on_another_host_is_lost_once_its_heartbeat_is_stale_on_any_read(runner_env: RunnerEnv) -> None:
    runner_env.write_job("count", "print(1)")
    run = service.create_run("count", runner_env.client, {}, "ann", dispatch=service.DISPATCH_WORKERS)
    assert claims.claim_run(run["id"], "another-host:4242")
    claims.record_pid(run["id"], os.getpid())  # a live pid here means nothing for another host
    assert service.get_run(run["id"])["status"] == "running"
    with session_scope() as s:
        s.execute(sa.update(Run).values(heartbeat_at=utcnow() - timedelta(seconds=31)))
    final = service.wait_for_run(run["id"], timeout=5)  # `toolbelt run` waiting reads it so
    assert (final["status"], final["error_class"]) == ("failed", "worker_lost")
    assert _texts(run["id"])[-1].startswith("failed: the process running this job stopped")


def test_liveness_rules() -> None:
    now = utcnow()
    old, fresh = now - timedelta(seconds=40), now - timedelta(seconds=1)
    me = f"{os.uname().nodename}:1"
    assert not is_lost(worker_id=None, worker_pid=None, heartbeat_at=old, now=now, stale_after=30)
    assert is_lost(worker_id="elsewhere:1", worker_pid=None, heartbeat_at=old, now=now, stale_after=30)
    assert not is_lost(worker_id="elsewhere:1", worker_pid=999_999_999, heartbeat_at=fresh, now=now, stale_after=30)
    assert not is_lost(worker_id=me, worker_pid=os.getpid(), heartbeat_at=fresh, now=now, stale_after=30)
    assert is_lost(worker_id=me, worker_pid=999_999_999, heartbeat_at=fresh, now=now, stale_after=30)
