"""Mutating jobs through the runner, against the sandbox over real HTTP with real processes:
planned runs, apply, --apply, access on apply and undo, undo, resume after SIGKILL,
digest refusal and the per-client cap."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runner import service
from runner.access import AccessDenied, add_to_groups
from runner.errors import RunStateError
from schoology_etl.plans import Plan
from schoology_etl.plans.journal import read_journal
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, poll_until
from tests.fixtures.runner_plans import PARAMS, SET_POSITIONS, plan_and_wait


def dump(sandbox: Any) -> dict[str, Any]:
    state = sandbox.state()
    state.pop("version", None)
    return state


def texts(run_id: int) -> list[str]:
    return [ln["text"] for ln in service.iter_log(run_id)]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)


def expected_after(before: dict[str, Any], plan_path: str) -> dict[str, Any]:
    expected = json.loads(json.dumps(before))
    for change in Plan(plan_path):
        expected["users"][str(change.id)].update(change.after)
    return expected


def test_mutating_run_ends_planned_then_apply_run_applies_exactly_the_plan(positions_env: RunnerEnv) -> None:
    before = dump(positions_env.sandbox)
    run = plan_and_wait(positions_env, count=6, position="Nurse")
    assert run["status"] == "planned", run
    assert run["plan_counts"]["total"] == 6 and run["plan_counts"]["counts"] == {"users": {"update": 6}}
    assert run["plan_path"].endswith("plan.jsonl") and run["plan_digest"] == Plan(run["plan_path"]).digest
    assert run["kind"] == "job" and run["journal_counts"] is None
    assert any(t.startswith("plan: 6 changes (users: update 6)") for t in texts(run["id"]))
    assert dump(positions_env.sandbox) == before  # apply stayed False in the notebook
    started = service.apply_run(run["id"], "tester")
    assert started["status"] == "applying" and started["applied_by"] == "tester"
    final = service.wait_for_run(run["id"], timeout=120)
    assert final["status"] == "applied", final
    counts = final["journal_counts"]
    assert (counts["applied"], counts["skipped_drifted"], counts["failed"]) == (6, 0, 0)
    assert counts["requests"] >= 2 and final["applied_at"] and final["journal_path"]
    assert dump(positions_env.sandbox) == expected_after(before, run["plan_path"])
    assert "applied 6/6, 0 drifted, 0 failed" in texts(run["id"])
    with pytest.raises(RunStateError, match="only a planned run"):
        service.apply_run(run["id"], "tester")


def test_a_user_outside_access_cannot_apply_or_undo(positions_env: RunnerEnv) -> None:
    positions_env.write_job("set_positions", SET_POSITIONS, params=PARAMS, defaults={"count": 3, "position": "X", "apply": False},
                  mutates=True, access=["provisioners"])
    add_to_groups("ann", ["provisioners", "appliers"])
    add_to_groups("bob", ["viewers", "appliers"])  # may apply plans, but not of this job
    run = service.create_run("set_positions", positions_env.client, {"count": 3}, "ann", wait=True)
    assert run["status"] == "planned"
    with pytest.raises(AccessDenied, match="'bob'"):
        service.apply_run(run["id"], "bob")  # created by an allowed user, still refused
    assert service.get_run(run["id"], "ann")["status"] == "planned"
    assert service.apply_run(run["id"], "ann", wait=True)["status"] == "applied"
    with pytest.raises(AccessDenied, match="'bob'"):
        service.undo_run(run["id"], "bob")
    assert [r["id"] for r in service.list_runs(user="bob")] == [run["id"]]  # no undo run was created


def test_undo_is_a_new_planned_run_that_restores_the_state(positions_env: RunnerEnv) -> None:
    run = plan_and_wait(positions_env, count=5, position="Librarian")
    before = dump(positions_env.sandbox)
    assert service.apply_run(run["id"], "tester", wait=True)["status"] == "applied"
    assert dump(positions_env.sandbox) != before
    undo = service.undo_run(run["id"], "tester")
    assert undo["status"] == "planned" and undo["kind"] == "undo" and undo["parent_run_id"] == run["id"]
    assert undo["plan_counts"]["total"] == 5 and undo["id"] != run["id"]
    assert undo["output_path"] is None  # no notebook ran
    assert service.apply_run(undo["id"], "tester", wait=True)["status"] == "applied"
    assert dump(positions_env.sandbox) == before


def test_cli_run_exits_0_when_planned_and_apply_refuses_a_plan_modified_after_review(positions_env: RunnerEnv) -> None:
    done = _cli("run", "set_positions", "--client", positions_env.client, "-p", "count=3")
    assert done.returncode == 0, done.stderr
    assert ": planned" in done.stderr and "toolbelt runs apply" in done.stderr
    run = service.list_runs()[0]
    before = dump(positions_env.sandbox)
    path = Path(run["plan_path"])
    os.chmod(path, 0o644)
    path.write_text(path.read_text().replace('"Counselor"', '"Principal"'))
    refused = _cli("runs", "apply", str(run["id"]), "--json")
    assert refused.returncode == 1
    final = json.loads(refused.stdout)
    assert final["status"] == "failed" and final["error_class"] == "apply_failed"
    assert "the plan was not applied" in final["error_message"] and "modified after it was written" in final["error_message"]
    assert dump(positions_env.sandbox) == before


def test_killed_apply_resumes_and_applies_each_change_exactly_once(positions_env: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_RATE_LIMIT", "2")  # a slow apply (2 requests a second) to kill midway
    monkeypatch.setenv("TOOLBELT_RATE_WINDOW", "1")
    total = len(positions_env.sandbox.state()["users"])
    run = plan_and_wait(positions_env, count=total, position="Coach")
    n = run["plan_counts"]["total"]
    chunks = -(-n // 50)
    assert chunks >= 3, n
    before = dump(positions_env.sandbox)
    puts_before = positions_env.sandbox.counters()["by_route"].get("PUT /users", 0)
    service.apply_run(run["id"], "tester")
    journal = Path(run["plan_path"] + ".journal.jsonl")

    def some_applied() -> bool:
        if not journal.exists():
            return False
        _, entries = read_journal(journal)
        return any(e["status"] == "applied" for e in entries)

    poll_until(some_applied, timeout=120, every=0.02)
    pid = service.get_run(run["id"])["worker_pid"]
    os.killpg(pid, signal.SIGKILL)
    kill_started_executioners()
    _, entries = read_journal(journal)
    done_first = {e["seq"] for e in entries if e["status"] == "applied"}
    assert 0 < len(done_first) < n
    monkeypatch.setenv("TOOLBELT_STALE_SECONDS", "0.5")
    poll_until(lambda: service.list_runs()[0]["status"] == "failed", timeout=30)
    assert service.get_run(run["id"])["error_class"] == "worker_lost"
    monkeypatch.delenv("TOOLBELT_RATE_LIMIT")
    monkeypatch.setenv("TOOLBELT_STALE_SECONDS", "30")
    final = service.apply_run(run["id"], "tester", wait=True)
    assert final["status"] == "applied", final
    assert final["journal_counts"]["applied"] == n
    _, entries = read_journal(journal)
    applied = [e["seq"] for e in entries if e["status"] == "applied"]
    assert sorted(applied) == list(range(1, n + 1))  # each change applied once
    assert positions_env.sandbox.counters()["by_route"]["PUT /users"] - puts_before == chunks  # each write sent once
    assert dump(positions_env.sandbox) == expected_after(before, run["plan_path"])
    assert any(t.startswith("resuming from the journal") for t in texts(run["id"]))


def test_per_client_cap_runs_one_at_a_time(positions_env: RunnerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLBELT_CLIENT_CONCURRENCY", "1")  # a setting; the default lets three go at once
    gate = positions_env.gate("first")
    positions_env.write_job("held", "import os, time\nprint('holding', flush=True)\n"
                          f"while not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)")
    positions_env.write_job("quick", "print('quick ran')")
    first = service.create_run("held", positions_env.client, {}, "tester")
    poll_until(lambda: "holding" in texts(first["id"]))
    second = service.create_run("quick", positions_env.client, {}, "tester")
    assert service.wait_for_run(second["id"], timeout=2)["status"] == "queued"  # waits for a slot, not failed
    gate.touch()
    a = service.wait_for_run(first["id"], timeout=120)
    b = service.wait_for_run(second["id"], timeout=120)
    assert a["status"] == b["status"] == "succeeded"
    assert b["started_at"] >= a["finished_at"]


def test_cli_run_apply_in_one_go_then_runs_undo_and_apply(positions_env: RunnerEnv) -> None:
    before = dump(positions_env.sandbox)
    done = _cli("run", "set_positions", "--client", positions_env.client, "-p", "count=4", "--apply", "--json")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["status"] == "applied" and run["apply"] is True
    for key in ("plan_counts", "journal_counts", "plan_path", "journal_path"):
        assert run[key], key
    assert run["journal_counts"]["applied"] == 4
    assert dump(positions_env.sandbox) == expected_after(before, run["plan_path"])
    undo = _cli("runs", "undo", str(run["id"]), "--json")
    assert undo.returncode == 0, undo.stderr
    undo_run = json.loads(undo.stdout)
    assert undo_run["status"] == "planned"
    applied = _cli("runs", "apply", str(undo_run["id"]))
    assert applied.returncode == 0, applied.stderr
    assert "applied 4/4, 0 drifted, 0 failed" in applied.stderr
    assert dump(positions_env.sandbox) == before
    again = _cli("runs", "apply", str(undo_run["id"]))
    assert again.returncode == 1 and "only a planned run" in again.stderr


def test_an_apply_left_to_workers_can_be_cancelled_at_once_then_is_applied_by_toolbelt_worker(positions_env: RunnerEnv) -> None:
    run = plan_and_wait(positions_env, count=3, position="Driver")
    before = dump(positions_env.sandbox)
    service.apply_run(run["id"], "tester", dispatch=service.DISPATCH_WORKERS)
    add_to_groups("ann", ["appliers"])  # cancelling someone else's apply needs the apply role
    cancelled = service.cancel_run(run["id"], "ann")
    assert cancelled["status"] == "cancelled" and "before it started" in cancelled["error_message"]
    queued = service.apply_run(run["id"], "tester", dispatch=service.DISPATCH_WORKERS)  # resumable
    assert queued["status"] == "applying" and queued["worker_id"] is None
    worker = _cli("worker", "--once", "--poll", "0.2")
    assert worker.returncode == 0, worker.stderr
    assert f"started run {run['id']}" in worker.stdout
    final = service.get_run(run["id"])
    assert final["status"] == "applied" and final["journal_counts"]["applied"] == 3, final
    assert dump(positions_env.sandbox) == expected_after(before, run["plan_path"])
