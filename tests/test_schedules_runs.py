"""Scheduled runs end to end: ``toolbelt worker --once`` fires due schedules and executes
their runs; a writing job's plan applies by itself only under its schedule's limit,
otherwise it waits for review."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from runner import service
from runner.scheduling.schedules import add_schedule, list_firings
from runner.store import utcnow
from tests.fixtures.runner_jobs import RunnerEnv


def test_a_worker_fires_due_schedules_and_applies_only_plans_under_the_limit(positions_env: RunnerEnv) -> None:
    env = positions_env  # the sandbox client acme and the mutating job set_positions
    from runner.access import add_to_groups

    add_to_groups("tester", ["appliers"])  # a schedule that applies by itself needs the apply role
    past = utcnow() - timedelta(minutes=10)
    small = add_schedule("set_positions", env.client, "* * * * *", params={"count": "3", "position": "Nurse"},
                         auto_apply_under=10, user="tester", now=past)
    large = add_schedule("set_positions", env.client, "*/5 * * * *", params={"count": "6", "position": "Coach"},
                         auto_apply_under=4, user="tester", now=past)
    worker = subprocess.run([sys.executable, "-m", "runner.cli", "worker", "--once", "--poll", "0.2"],
                            env=os.environ.copy(), capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    runs = {r["schedule_id"]: r for r in service.list_runs()}
    assert set(runs) == {small["id"], large["id"]}

    applied = runs[small["id"]]
    assert applied["status"] == "applied", applied
    assert applied["applied_by"] == "tester" and applied["journal_counts"]["applied"] == 3
    log_small = [ln["text"] for ln in service.iter_log(applied["id"])]
    assert "the plan has 3 changes, fewer than its schedule's limit of 10: applying it without review" in log_small
    positions = [u.get("position") for u in env.sandbox.state()["users"].values()]  # type: ignore[attr-defined]
    assert positions.count("Nurse") == 3 and "Coach" not in positions

    waiting = runs[large["id"]]
    assert waiting["status"] == "planned" and waiting["plan_counts"]["total"] == 6
    log_large = [ln["text"] for ln in service.iter_log(waiting["id"])]
    assert "the plan has 6 changes, not fewer than its schedule's limit of 4: it waits for review" in log_large
    assert [f["outcome"] for f in list_firings(large["id"])] == ["started"]
    assert "started run" in worker.stdout
