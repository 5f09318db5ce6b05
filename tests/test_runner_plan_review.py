"""The plan review through the runner (names, summary, filter, formats) and the typed-count guard
on applying many destructive changes, against the sandbox with real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner import service
from runner.confirm import ConfirmationRequired
from runner.store import dispose_engines
from tests.fixtures.runner_jobs import RunnerEnv, kill_started_executioners, make_runner_env

UNLINK_PARENTS = (
    "import schoology_etl as se\n"
    "from schoology_etl.plans import Change\n"
    "from schoology_etl.provisioning.users import user_changes\n"
    "api = se.connect(client)\n"
    "pairs = sorted(user_changes.parent_links(api.iter_records('users'), client=api))[:count]\n"
    "changes = [Change(0, 'unlink', 'parent_associations', {'student_school_uid': s, 'parent_school_uid': p},\n"
    "                  None, {'linked': True}, {'linked': False}) for s, p in pairs]\n"
    "plan = se.write_plan(changes, client=api, job='unlink_parents')\n"
    "plan"
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Any) -> Iterator[RunnerEnv]:
    """Client ``acme`` is the sandbox; job ``unlink_parents`` plans ``count`` parent unlinks; threshold 2."""
    runner_env = make_runner_env(tmp_path, monkeypatch, None)
    from runner.profile_store import add_profile

    add_profile("acme", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret, replace=True)
    runner_env.write_job("unlink_parents", UNLINK_PARENTS, params={"count": {"type": "int", "default": 3}},
                         defaults={"count": 3, "apply": False}, mutates=True)
    monkeypatch.setenv("TOOLBELT_CONFIRM_OVER", "2")
    runner_env.sandbox = sandbox  # type: ignore[attr-defined]
    yield runner_env
    kill_started_executioners()
    dispose_engines()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300, stdin=subprocess.DEVNULL)


def _names(sandbox: Any) -> dict[str, str]:
    return {u["school_uid"]: f"{u['name_first']} {u['name_last']}" for u in sandbox.state()["users"].values()}


def test_review_by_names_filtered_in_every_format_and_the_log_shows_the_summary(env: RunnerEnv) -> None:
    run = service.create_run("unlink_parents", env.client, {"count": 3}, "tester", wait=True)
    assert run["status"] == "planned", run
    log = "\n".join(line["text"] for line in service.iter_log(run["id"]))
    assert "* 3 parent links unlinked" in log
    assert "seq" not in log and "parent_school_uid" not in log, "the log shows the summary, not a table"

    text = _cli("runs", "plan", str(run["id"]))
    assert text.returncode == 0, text.stderr
    names = _names(env.sandbox)  # type: ignore[attr-defined]
    first = next(line for line in text.stdout.splitlines() if ", parent of " in line)
    parent = first.split(",")[0].split(maxsplit=1)[1]
    assert parent.rsplit(" (", 1)[0] in names.values(), first
    assert "== unlink parent parent link ==" in text.stdout and "linked: linked -> not linked" in text.stdout

    rows = list(csv.DictReader(io.StringIO(_cli("runs", "plan", str(run["id"]), "--format", "csv").stdout.lstrip("\ufeff"))))
    assert len(rows) == 3 and {r["operation"] for r in rows} == {"unlink parent"}
    student = rows[1]["object"].split(", parent of ")[1]
    found = json.loads(_cli("runs", "plan", str(run["id"]), "--format", "json", "--search", student).stdout)
    assert found["total"] == 3 and found["summary"][0]["count"] == 3
    assert [c["object"] for c in found["changes"]] == [rows[1]["object"]]


def test_many_destructive_changes_need_the_typed_count(env: RunnerEnv) -> None:
    sandbox = env.sandbox  # type: ignore[attr-defined]
    links_before = len(sandbox.state()["parent_links"])
    run = service.create_run("unlink_parents", env.client, {"count": 3}, "tester", wait=True)
    with pytest.raises(ConfirmationRequired, match=r"unlinks 3 objects \(more than 2\): type 3 to confirm"):
        service.apply_run(run["id"], "tester")
    with pytest.raises(ConfirmationRequired, match="'4' is not the count"):
        service.apply_run(run["id"], "tester", confirm="4")
    refused = _cli("runs", "apply", str(run["id"]))
    assert refused.returncode != 0 and "--confirm 3" in refused.stderr
    assert service.get_run(run["id"])["status"] == "planned"
    assert len(sandbox.state()["parent_links"]) == links_before, "nothing applied"

    done = _cli("runs", "apply", str(run["id"]), "--confirm", "3")
    assert done.returncode == 0, done.stderr
    assert service.get_run(run["id"])["status"] == "applied"
    assert len(sandbox.state()["parent_links"]) == links_before - 3


def test_run_with_apply_stops_at_planned_over_the_threshold_and_applies_under_it(env: RunnerEnv) -> None:
    over = service.create_run("unlink_parents", env.client, {"count": 3}, "tester", apply=True, wait=True)
    assert over["status"] == "planned"
    log = "\n".join(line["text"] for line in service.iter_log(over["id"]))
    assert "not applied: the plan deletes, deactivates or unlinks 3 objects" in log
    assert f"toolbelt runs apply {over['id']} --confirm 3" in log
    under = service.create_run("unlink_parents", env.client, {"count": 2}, "tester", apply=True, wait=True)
    assert under["status"] == "applied", under


def test_dashboard_plan_view_reviews_filters_pages_and_asks_for_the_count(env: RunnerEnv) -> None:
    import base64
    import re
    from types import SimpleNamespace

    import openpyxl

    from runner.dashboard import plan_view

    run = service.create_run("unlink_parents", env.client, {"count": 3}, "tester", wait=True)
    opened: list[int] = []
    app = SimpleNamespace(service=service, user="tester", dispatch=service.DISPATCH_LOCAL, open_run=opened.append)
    view = plan_view.PlanView(app)  # type: ignore[arg-type]
    view.show(service.get_run(run["id"]))
    assert "3 parent links unlinked" in view.body.value
    assert view.rows.value.count("<tr>") == 4 and view.confirm.layout.display is None
    assert view.confirm.description == "Type 3"
    student = re.findall(r", parent of ([^<]+)</td>", view.rows.value)[2]
    view.search.value = student
    assert view.rows.value.count("<tr>") == 2 and "1 changed fields match" in view.page_info.value
    view.search.value = "no such person"
    assert "No change matches" in view.rows.value
    view.search.value = ""
    plan_view.PAGE_SIZE, saved = 2, plan_view.PAGE_SIZE
    try:
        view._goto(1)
        assert "page 1 of 2" in view.page_info.value and view.prev.disabled and not view.next.disabled
        view.next.click()
        assert "page 2 of 2" in view.page_info.value and view.rows.value.count("<tr>") == 2
    finally:
        plan_view.PAGE_SIZE = saved
    xlsx = re.search(r'download="plan-run-\d+\.xlsx" href="data:[^;]+;base64,([^"]+)"', view.downloads.value)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx.group(1))))
    assert book.sheetnames == ["Summary", "Changes"] and book["Changes"].max_row == 4

    view.apply_plan()
    assert "type 3 to confirm" in view.message.value and opened == []
    view.confirm.value = "3"
    view.apply_plan()
    assert opened == [run["id"]]
    assert service.wait_for_run(run["id"], timeout=120)["status"] == "applied"
