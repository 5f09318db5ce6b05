"""The run service against the store alone (no notebook executed): queueing, reaping, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from runner import errors, service
from runner.access import add_to_groups
from runner.execution import claims
from runner.params import ParamsInvalid
from runner.store import LogLine, Run, session_scope, utcnow
from tests.fixtures.runner_jobs import RunnerEnv


@pytest.fixture
def job(runner_env: RunnerEnv) -> RunnerEnv:
    runner_env.write_job("count", "print(n)", params={"n": {"type": "int", "default": 2, "max": 10}},
                         defaults={"n": 2}, timeout="90s")
    return runner_env


def test_queued_for_workers_records_everything_and_starts_nothing(job: RunnerEnv) -> None:
    run = service.create_run("count", job.client, {"n": "7"}, "ann", dispatch=service.DISPATCH_WORKERS,
                             apply=True)
    assert run["status"] == "queued"
    assert (run["job"], run["client"], run["requester"], run["params"], run["apply"]) == ("count", "acme", "ann",
                                                                                      {"n": 7}, True)
    assert run["timeout_seconds"] == 90
    assert len(run["notebook_hash"]) == 64
    assert run["started_at"] is None and run["worker_id"] is None


def test_invalid_params_name_the_job_and_field(job: RunnerEnv) -> None:
    with pytest.raises(ParamsInvalid) as info:
        service.create_run("count", job.client, {"n": "11"}, "ann", dispatch=service.DISPATCH_WORKERS)
    assert "count" in str(info.value) and "n" in info.value.errors
    assert service.list_runs() == []


def test_stale_running_run_is_reaped_as_worker_lost_and_keeps_its_log(job: RunnerEnv) -> None:
    run = service.create_run("count", job.client, {}, "ann", dispatch=service.DISPATCH_WORKERS)
    assert claims.claim_run(run["id"], "gone-host:1")
    with session_scope() as s:
        s.add(LogLine(run_id=run["id"], seq=1, stream="stdout", text="partial work"))
        s.execute(sa.update(Run).values(heartbeat_at=utcnow() - timedelta(seconds=31)))
    assert claims.reap_lost_runs(stale_after=60) == []  # not stale yet by that measure
    listed = service.list_runs()  # default threshold (30 s) applies
    assert listed[0]["status"] == "failed" and listed[0]["error_class"] == "worker_lost"
    texts = [ln["text"] for ln in service.iter_log(run["id"])]
    assert texts[0] == "partial work" and "heartbeats" in texts[1]
    assert claims.reap_lost_runs() == []  # once only


def test_fresh_heartbeat_is_not_reaped(job: RunnerEnv) -> None:
    run = service.create_run("count", job.client, {}, "ann", dispatch=service.DISPATCH_WORKERS)
    claims.claim_run(run["id"], "alive:1")
    assert claims.reap_lost_runs() == []
    assert service.get_run(run["id"])["status"] == "running"


def test_cancel_of_a_running_run_is_a_request_the_executioner_acts_on(job: RunnerEnv) -> None:
    run = service.create_run("count", job.client, {}, "ann", dispatch=service.DISPATCH_WORKERS)
    claims.claim_run(run["id"], "elsewhere:1")
    add_to_groups("bob", ["appliers"])  # cancelling someone else's run needs the apply role
    after = service.cancel_run(run["id"], "bob")
    assert after["status"] == "running" and after["cancel_requested_by"] == "bob"


def test_wait_for_run_gives_up_after_its_timeout(job: RunnerEnv) -> None:
    run = service.create_run("count", job.client, {}, "ann", dispatch=service.DISPATCH_WORKERS)
    assert service.wait_for_run(run["id"], timeout=0.3, poll_seconds=0.05)["status"] == "queued"


def test_unknown_run_is_a_clear_error(job: RunnerEnv) -> None:
    with pytest.raises(errors.RunNotFoundError, match="no run 42"):
        service.get_run(42)
    with pytest.raises(errors.RunNotFoundError):
        list(service.iter_log(42))


def test_a_local_executioner_that_dies_before_starting_fails_the_run(job: RunnerEnv,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "executable", "/bin/false")  # the interpreter cannot even start the executioner
    run = service.create_run("count", job.client, {}, "ann")
    final = service.wait_for_run(run["id"], timeout=60, poll_seconds=0.05)
    assert (final["status"], final["error_class"]) == ("failed", "internal")
    assert "executioner.log" in final["error_message"]
