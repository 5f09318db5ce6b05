"""An apply with a refused change (issue 16): it ends ``partly applied``, the CLI exits
non-zero and names the change with the API's message, and applying it again after a fix
sends only that change. Against the sandbox over real HTTP, with real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner import service
from runner.dashboard.app import DashboardApp
from runner.store import dispose_engines
from schoology_etl.plans.journal import read_journal
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env

TAKEN = "jordan.reyes@gmail.example.com"  # the sandbox seeds it as an account in another school
ADD_USERS = (
    "import schoology_etl as se\n"
    "from schoology_etl.plans import plan_changes\n"
    "api = se.connect(client)\n"
    "role = next(iter(api.iter_records('users')))['role_id']\n"
    "desired = [\n"
    "    {'school_uid': 'NEW1', 'name_first': 'Ada', 'name_last': 'One', 'role_id': role, 'username': 'ada.one',\n"
    "     'primary_email': 'ada.one@example.com'},\n"
    "    {'school_uid': 'NEW2', 'name_first': 'Jordan', 'name_last': 'Reyes', 'role_id': role,\n"
    f"     'username': 'jordan.reyes2', 'primary_email': {TAKEN!r}}},\n"
    "]\n"
    "plan = se.write_plan(plan_changes(desired, [], realm='users'), client=api, job='add_users',\n"
    "                     current_counts={'users': 0})\n"
    "print(f'planned {len(plan)} changes', flush=True)\n"
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Any) -> Iterator[RunnerEnv]:
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    add_profile("acme", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret, replace=True)
    runner_env.write_job("add_users", ADD_USERS, defaults={"apply": False}, mutates=True)
    runner_env.sandbox = sandbox  # type: ignore[attr-defined]
    yield runner_env
    kill_started_executioners()
    dispose_engines()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)


def _sandbox_uids(sandbox: Any) -> list[str]:
    return sorted(u["school_uid"] for u in sandbox.state()["users"].values() if u["school_uid"].startswith("NEW"))


def test_a_refused_change_ends_partly_applied_and_retrying_applies_only_it(env: RunnerEnv) -> None:
    sandbox = env.sandbox  # type: ignore[attr-defined]
    done = _cli("run", "add_users", "--client", "acme", "--apply")
    assert done.returncode == 1, done.stderr  # CI reads failure, not success
    run_id = int(done.stderr.split("run ", 1)[1].split()[0])
    run = service.get_run(run_id)
    assert (run["status"], run["error_class"]) == ("partly_applied", "changes_failed")
    refused = f"409 Email address {TAKEN} is already in use by an account in another school"
    summary = done.stderr[done.stderr.index(f"run {run_id} (add_users for acme)"):]
    lines = summary.splitlines()
    assert lines[0] == f"run {run_id} (add_users for acme): partly applied: 1 of 2 changes failed"
    assert lines[1] == f"  failed: change 2 (create users school_uid=NEW2): {refused}"  # the report leads with it
    assert run["error_message"].startswith(f"1 of 2 changes failed: change 2 (create users school_uid=NEW2): {refused}")
    assert _sandbox_uids(sandbox) == ["NEW1"]
    log = [ln["text"] for ln in service.iter_log(run_id)]
    at = log.index("1 of 2 changes failed (the API refused them):")
    assert log[at + 1] == f"failed: change 2 (create users school_uid=NEW2): {refused}"
    assert log[-1].startswith("partly applied: 1 of 2 changes failed")

    app = DashboardApp(user="tester", dispatch=service.DISPATCH_WORKERS)
    app.open_run(run_id)
    app.run_view.refresh()
    assert "partly applied</span>" in app.run_view.status.value and "school_uid=NEW2" in app.run_view.status.value
    plan = app.run_view.plan
    assert plan.apply.layout.display is None and plan.apply.description == "Apply the failed changes again"

    undo = service.undo_run(run_id, "tester")  # what did apply can be undone
    assert (undo["status"], undo["plan_counts"]["total"]) == ("planned", 1)

    shown = _cli("runs", "show", str(run_id), "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "partly_applied"

    _, entries = read_journal(run["journal_path"])
    before = len(list(entries))
    sandbox.app.state.external_emails.pop(TAKEN)  # the fix: the other school let the address go
    again = _cli("runs", "apply", str(run_id))
    assert again.returncode == 0, again.stderr
    final = service.get_run(run_id)
    assert final["status"] == "applied" and final["error_message"] is None
    assert (final["journal_counts"]["applied"], final["journal_counts"]["failed"]) == (2, 0)
    _, entries = read_journal(run["journal_path"])
    retried = list(entries)[before:]
    assert {e["seq"] for e in retried} == {2}  # only the failed change was sent again
    assert [e["status"] for e in retried] == ["pending", "applied"]
    assert _sandbox_uids(sandbox) == ["NEW1", "NEW2"]
    assert "apply requested by tester (again: only the changes that failed are sent)" in \
        [ln["text"] for ln in service.iter_log(run_id)]
