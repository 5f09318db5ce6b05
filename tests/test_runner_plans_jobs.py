"""The real update_parent_buildings job through ``toolbelt run --apply``, against the sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.store import dispose_engines
from schoology_etl.plans import Plan
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env

JOB = Path(__file__).resolve().parents[1] / "notebooks" / "jobs" / "update_parent_buildings.ipynb"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Any) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    add_profile("acme", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret, replace=True)
    shutil.copy(JOB, runner_env.jobs_dir / JOB.name)
    from runner.access import add_to_groups

    add_to_groups("tester", ["provisioners"])  # the shipped job is for provisioners
    yield runner_env
    kill_started_executioners()
    dispose_engines()


def test_update_parent_buildings_plans_and_applies_in_one_go(env: RunnerEnv, sandbox: Any) -> None:
    before = sandbox.state()
    done = subprocess.run([sys.executable, "-m", "runner.cli", "run", "update_parent_buildings", "--client", "acme",
                           "--apply", "--json"], capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["status"] == "applied", run
    total = run["plan_counts"]["total"]
    assert total > 5 and run["plan_counts"]["counts"] == {"users": {"update": total}}
    assert run["journal_counts"]["applied"] == total and run["journal_counts"]["failed"] == 0
    after = sandbox.state()["users"]
    planned = {str(c.id): c.after for c in Plan(run["plan_path"])}
    assert len(planned) == total
    for uid, user in after.items():
        if uid in planned:  # the API stores ids as numbers; the plan holds them as given
            assert {f: str(user[f]) for f in planned[uid]} == {f: str(v) for f, v in planned[uid].items()}, uid
            assert {f: v for f, v in user.items() if f not in planned[uid]} == \
                {f: v for f, v in before["users"][uid].items() if f not in planned[uid]}
        else:
            assert user == before["users"][uid], uid
