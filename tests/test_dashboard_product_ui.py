"""The dashboard as a product, in Chromium: catalog, form and run in view together, a
running job's progress bar with its usual time and a stuck hint, a schedule made from
the form, a plan review, History naming the schedule; an axe-core audit of each view
(axe-core from the npm registry, injected into the page) fails on any critical or
serious violation. Screenshots land in ``test-output/dashboard/``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright import sync_api as playwright_api

from runner.dashboard.voila_launcher import start_voila, stop_voila, wait_until_serving
from tests.fixtures.dashboard import CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT_MS, DashboardPage, cancel_unfinished_runs
from tests.fixtures.ports import free_port
from tests.fixtures.runner_jobs import RunnerEnv, poll_until, wait_gate_cell
from tests.fixtures.runner_plans import PARAMS, SET_POSITIONS

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORTS = SHOTS.parent / "axe"
BLOCKING = ("critical", "serious")


def audit(page: Any, view: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is; keep the report; fail on critical or serious violations."""
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run scripts/setup.sh --test"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = result["violations"]
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{view}.json").write_text(json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
         for v in violations], indent=1))
    blocking = [f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:5]}"
                for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the {view} view:\n" + "\n".join(blocking)
    return violations


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_factory: Callable[..., Any]) -> Iterator[Any]:
    from runner import profile_store
    from runner.store import Run, dispose_engines, session_scope, utcnow

    home, jobs = tmp_path / "home", tmp_path / "jobs"
    home.mkdir()
    jobs.mkdir()
    for name, value in {"TOOLBELT_HOME": str(home), "TOOLBELT_JOBS_DIR": str(jobs),
                        "TOOLBELT_DB": f"sqlite:///{home / 'toolbelt.db'}",
                        "TOOLBELT_SECRET_KEY": Fernet.generate_key().decode(), "TOOLBELT_CANCEL_GRACE_SECONDS": "2",
                        "TOOLBELT_STUCK_SECONDS": "4", "JUPYTERHUB_USER": "tester"}.items():
        monkeypatch.setenv(name, value)
    from runner.access import add_to_groups

    add_to_groups("teardown", ["admins"])  # cancels whatever is left at the end
    sandbox = sandbox_factory()
    profile_store.add_profile("sandbox", base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret)
    env = RunnerEnv(home=home, jobs_dir=jobs, db_url=os.environ["TOOLBELT_DB"], client="sandbox",
                    secret=sandbox.secret)
    env.write_job(
        "sync_roster",
        "from tqdm import tqdm\nbar = tqdm(total=200, desc='users')\nbar.update(80)\nbar.refresh()",
        wait_gate_cell(env.gate("roster"), "halfway through the roster"),
        "bar.update(120)\nbar.close()\nprint('roster synced', flush=True)",
        title="Sync the roster", category="Users", description="Reads every user of the roster, with a progress bar.",
        params={"grade": {"type": "choice", "label": "Grade", "choices": ["9", "10", "11"], "default": "9"}},
        defaults={"grade": "9"})
    env.write_job("set_positions", SET_POSITIONS, params=PARAMS, title="Set positions", category="Users",
                  description="Sets the position of the first users.",
                  defaults={"count": 5, "position": "Counselor", "apply": False}, mutates=True)
    start = utcnow() - timedelta(days=1)
    with session_scope() as s:  # history: this job usually takes about 45 s
        s.add_all([Run(job_id="sync_roster", client="sandbox", requester="tester", status="succeeded", params={},
                       started_at=start, finished_at=start + timedelta(seconds=sec)) for sec in (40, 45, 50)])
    port = free_port()
    voila = start_voila(port, local=True, log_path=tmp_path / "voila.log")
    try:
        wait_until_serving(port, proc=voila, timeout=WAIT_MS / 1000)
        yield env, f"http://127.0.0.1:{port}/"
    finally:
        env.gate("roster").touch()
        cancel_unfinished_runs()
        stop_voila(voila)
        dispose_engines()


def test_views_read_like_a_product_and_pass_axe(served: Any) -> None:
    from runner import service
    from runner.scheduling.firing import fire_due
    from runner.store import get_engine, utcnow

    env, url = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        ui = DashboardPage(page, url)
        try:
            ui.open()
            audit(page, "jobs")

            # the catalog, the form and (later) the run side by side
            ui.page.locator(".tb-job-button", has_text="Sync the roster").click()
            ui.wait_text(".tb-job-title", "Sync the roster")
            boxes = [ui.page.locator(css).first.bounding_box() for css in (".tb-catalog", ".tb-job-detail",
                                                                          ".tb-run-panel")]
            assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"] and all(b["y"] < 200 for b in boxes), boxes
            ui.shot("catalog-with-form")
            audit(page, "jobs-form")

            # on a schedule, from the form
            ui.page.locator(".tb-when button", has_text="On a schedule").click()
            ui.page.locator(".tb-schedule-cron input").fill("30 6 * * 1-5")
            ui.page.locator(".tb-schedule-tz input").fill("America/Chicago")
            ui.page.locator(".tb-schedule-tz input").press("Enter")
            audit(page, "jobs-schedule-form")
            ui.click(".tb-add-schedule")
            ui.wait_text(".tb-schedule-message", r"Schedule 1 added for sandbox: next run .* 06:30 America/Chicago")
            ui.page.locator(".tb-when button", has_text="Run now").click()

            # a running job: progress bar, usual time, and a hint once it has been quiet a while
            ui.click(".tb-execute")
            ui.wait_status("running")
            ui.wait_text(".tb-run-progress", r"40% \(80 of 200\)")
            ui.wait_text(".tb-run-timing", "usually takes about 45s")
            ui.wait_text(".tb-run-timing", "may be stuck")
            assert ui.page.locator("progress.tb-progress").first.get_attribute("value") == "40"
            assert ui.page.locator(".tb-job-detail .tb-job-title").first.is_visible()  # the form is still there
            ui.shot("running-job-progress")
            audit(page, "run-running")
            env.gate("roster").touch()
            ui.wait_status("succeeded")
            ui.wait_text(".tb-run-progress", r"100% \(200 of 200\)")

            # a plan review
            ui.page.locator(".tb-job-button", has_text="Set positions").click()
            ui.wait_text(".tb-job-title", "Set positions")
            ui.click(".tb-execute")
            ui.wait_status("planned")
            ui.wait_text(".tb-plan", r"5 users updated: position")
            ui.shot("plan-review")
            audit(page, "run-plan-review")

            # History names the schedule that started a run
            with get_engine().begin() as conn:
                conn.exec_driver_sql("UPDATE schedules SET next_run_at = ?",
                                     ((utcnow() - timedelta(minutes=1)).replace(tzinfo=None),))
            (fired,) = fire_due("test-worker")
            ui.nav("History")
            ui.wait_text(".tb-history", rf"#{fired['run_id']}.*\(schedule #1\)")
            ui.shot("history")
            audit(page, "history")
            service.cancel_run(fired["run_id"], "teardown")

            ui.nav("Clients")
            ui.page.locator(".tb-clients").first.wait_for()
            audit(page, "clients")
        finally:
            page.goto("about:blank")
            context.close()
            browser.close()
    poll_until(lambda: service.get_run(fired["run_id"])["status"] == "cancelled")


def test_the_audit_fails_on_a_serious_violation() -> None:
    """The audit is not a formality: a select with no name (what the old form had) fails it."""
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content("<html lang='en'><head><title>t</title></head><body><main><h1>Form</h1>"
                             "<select><option>add</option></select></main></body></html>")
            with pytest.raises(AssertionError, match="critical: select-name"):
                audit(page, "selftest-unlabelled-select")
        finally:
            browser.close()
