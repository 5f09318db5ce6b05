"""A client's warehouse map in the store: `toolbelt warehouse show|set|check|remove` on a real MariaDB
warehouse laid out differently from today's, admin-only saving, and runs given the saved map."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner import service
from runner.access import add_to_groups
from runner.roles import NotAllowedError
from runner.store import dispose_engines
from runner.warehouse_maps import get_warehouse_map, save_warehouse_map
from schoology_etl.provisioning.analytics.warehouse import DEFAULT_WAREHOUSE, WarehouseMap
from schoology_sandbox.analytics import build_demo_analytics
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env
from tests.test_provisioning_warehouse import RENAMED

MAPPED = {**RENAMED, "district": {"column": "tenant", "value": 7}}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mariadb_url: str) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    build_demo_analytics(mariadb_url, seed=2, users=40, as_of=dt.date(2026, 11, 27),
                         warehouse=WarehouseMap.from_dict(MAPPED))
    add_profile("acme", base_url="http://127.0.0.1:9/v1", key="key-acme", secret="secret-acme-1234",
                sql_url=mariadb_url, replace=True)
    add_to_groups("tester", ["admins"])
    yield runner_env
    kill_started_executioners()
    dispose_engines()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", "warehouse", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)


def test_the_cli_shows_checks_sets_and_removes_a_clients_map(env: RunnerEnv, tmp_path: Path) -> None:
    shown = _cli("show", "--client", "acme")
    assert shown.returncode == 0 and json.loads(shown.stdout) == DEFAULT_WAREHOUSE.to_dict()
    assert "today's layout" in shown.stderr

    checked = _cli("check", "--client", "acme")  # today's layout is not this warehouse's
    assert checked.returncode == 1
    assert "users: no table 'analytics_users'" in checked.stderr and "3 problem(s)" in checked.stderr

    map_file = tmp_path / "map.json"
    map_file.write_text(json.dumps(RENAMED))
    wrong = _cli("set", str(map_file), "--client", "acme", "--column", "logins.ts=signed_at")
    assert wrong.returncode == 1, wrong.stdout
    assert "nothing saved" in wrong.stderr
    assert "no column 'signed_at' (for ts); did you mean 'signed_in_at'?" in wrong.stderr
    assert get_warehouse_map("acme") is None

    saved = _cli("set", str(map_file), "--client", "acme", "--district", "tenant=7")
    assert saved.returncode == 0, saved.stderr
    assert get_warehouse_map("acme") == WarehouseMap.from_dict(MAPPED)  # "7" stored as the number column holds it
    assert _cli("check", "--client", "acme").returncode == 0

    changed = _cli("set", "--client", "acme", "--table", "users=dim_nobody")
    assert changed.returncode == 1 and "users: no table 'dim_nobody'" in changed.stderr
    assert json.loads(_cli("show", "--client", "acme").stdout) == WarehouseMap.from_dict(MAPPED).to_dict()

    assert _cli("remove", "--client", "acme").stdout.strip() == "removed"
    assert get_warehouse_map("acme") is None


def test_only_an_admin_saves_a_map(env: RunnerEnv) -> None:
    with pytest.raises(NotAllowedError):
        save_warehouse_map("acme", MAPPED, "stranger")
    assert get_warehouse_map("acme") is None
    assert save_warehouse_map("acme", json.dumps(MAPPED), "tester") == WarehouseMap.from_dict(MAPPED)


def test_runs_of_a_job_taking_a_warehouse_map_get_the_saved_one(env: RunnerEnv) -> None:
    env.write_job("warehouse_job", "print(warehouse_map)",
                  params={"warehouse_map": {"type": "text", "required": False}}, defaults={"warehouse_map": None})
    env.write_job("other_job", "print(1)")
    save_warehouse_map("acme", MAPPED, "tester")
    queued = service.create_run("warehouse_job", "acme", {}, "tester", dispatch=service.DISPATCH_WORKERS)
    assert WarehouseMap.parse(queued["params"]["warehouse_map"]) == WarehouseMap.from_dict(MAPPED)
    given = json.dumps({"tables": {"users": "x"}})
    explicit = service.create_run("warehouse_job", "acme", {"warehouse_map": given}, "tester",
                                  dispatch=service.DISPATCH_WORKERS)
    assert explicit["params"]["warehouse_map"] == given
    other = service.create_run("other_job", "acme", {}, "tester", dispatch=service.DISPATCH_WORKERS)
    assert "warehouse_map" not in other["params"]
