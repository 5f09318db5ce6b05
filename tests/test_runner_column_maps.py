"""Column maps saved per client and job: the CLI, access, and the real import_users job run
from an SIS-style file with the saved map giving the same plan as today's layout."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner import service
from runner.access import AccessDenied, add_to_groups
from runner.column_maps import get_map, save_map
from runner.store import dispose_engines
from schoology_etl.errors import ConfigurationError
from schoology_etl.plans import Plan
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env
from tests.test_provisioning_layouts import SAVED_SIS_MAP, SIS_ROLES, SIS_SITES, SIS_USERS, _rename, _write_csv

JOBS = Path(__file__).resolve().parents[1] / "notebooks" / "jobs"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_factory: Any, _job_demo_data: Path) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    sandbox = sandbox_factory(seed=1, users=60)
    add_profile("acme", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret, replace=True)
    shutil.copy(JOBS / "import_users.ipynb", runner_env.jobs_dir / "import_users.ipynb")
    add_to_groups("tester", ["provisioners"])
    runner_env.demo = _job_demo_data  # type: ignore[attr-defined]
    yield runner_env
    kill_started_executioners()
    dispose_engines()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)


def _changes(run: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c.op, c.realm, c.key, c.id, c.before, c.after) for c in Plan(run["plan_path"])]


def test_sis_file_with_the_saved_map_plans_as_todays_layout(env: RunnerEnv, tmp_path: Path) -> None:
    ours = env.demo / "sis" / "users.csv"  # type: ignore[attr-defined]
    with open(ours, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sis_file = _write_csv(tmp_path / "sis_people.csv", _rename(
        rows, SIS_USERS, {"role": SIS_ROLES.get, "building_code": SIS_SITES.get,
                          "additional_building_codes": lambda v: ";".join(SIS_SITES[c] for c in v.split(";"))}))
    today = service.create_run("import_users", "acme", {"users_csv": str(ours)}, "tester", wait=True)
    map_file = tmp_path / "map.json"
    map_file.write_text(json.dumps(SAVED_SIS_MAP))
    saved = _cli("maps", "save", "import_users", str(map_file), "--client", "acme")
    assert saved.returncode == 0, saved.stderr
    assert json.loads(_cli("maps", "show", "import_users", "--client", "acme").stdout)["columns"]["SiteNo"] == "building_code"

    mapped = service.create_run("import_users", "acme", {"users_csv": str(sis_file)}, "tester", wait=True)
    assert today["status"] == mapped["status"] == "planned", (today, mapped)
    assert json.loads(mapped["params"]["column_map"]) == SAVED_SIS_MAP, "the saved map was passed to the job"
    assert _changes(mapped) == _changes(today) and _changes(today)
    log = "\n".join(line["text"] for line in service.iter_log(mapped["id"]))
    assert f"{len(rows)} rows read from sis_people.csv (CSV, UTF-8); columns mapped: " in log and "StudentNumber -> school_uid" in log


def test_saving_a_map_is_checked(env: RunnerEnv) -> None:
    with pytest.raises(ConfigurationError, match="unknown target column"):
        save_map("acme", "import_users", {"kind": "users", "columns": {"X": "shoe_size"}}, "tester")
    with pytest.raises(ConfigurationError, match="for 'enrollments' files, this job reads 'users'"):
        save_map("acme", "import_users", {"kind": "enrollments", "columns": {}}, "tester")
    with pytest.raises(AccessDenied):
        save_map("acme", "import_users", SAVED_SIS_MAP, "stranger")
    assert get_map("acme", "import_users") is None
    save_map("acme", "import_users", SAVED_SIS_MAP, "tester")
    assert get_map("acme", "import_users") == SAVED_SIS_MAP
    assert "removed" in _cli("maps", "remove", "import_users", "--client", "acme").stdout
    assert get_map("acme", "import_users") is None
